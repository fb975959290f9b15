"""The local identity provider's realm ``rebub``, generated from code (the identity contract).

Roles, users and clients are data here; ``realm()`` turns them into the JSON document Keycloak
imports at every start of the local provider. Development passwords and secrets follow one rule
(``dev_password``, ``dev_secret``) so that tools and tests can log in as anyone.

Tokens of every client carry, through the ``rebub`` client scope: ``aud`` = ``rebub``,
``institution`` (a user attribute), ``roles`` (the flat realm roles), ``preferred_username`` and
``sub`` = the username (a property mapper: Keycloak's own ``basic`` scope, which would put the
internal user id in ``sub``, is not given to these clients).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from rebub_shared.tenancy import NETWORK, TenantCode, institution, institution_codes, tenant_codes

REALM: Final = "rebub"
AUDIENCE: Final = "rebub"
ACCESS_TOKEN_LIFESPAN_S: Final = 30 * 60  # long enough for a demo or a manual session

ROLES: Final[dict[str, str]] = {
    "desk-operator": "Lookups, check-out, return, renewal, account views at a desk",
    "circulation-manager": "Block overrides, due-date changes, loan deletion, lost/found, items",
    "patron-manager": "Additions, blocks, notes, external readers, waiting accounts",
    "feed-loader": "Uploads the DSI's patron feeds",
    "feed-force": "Forces a feed past the safety checks",
    "network-observer": "Read-only view of the whole network (status, flows, letters, imports)",
    "privacy-officer": "Personal-data requests: erasure of the institution's own people",
}

# The staff of each institution: username suffix -> realm roles.
STAFF: Final[dict[str, tuple[str, ...]]] = {
    "desk": ("desk-operator",),
    "manager": ("desk-operator", "circulation-manager", "patron-manager"),
    "patrons": ("desk-operator", "patron-manager"),
    "feed": ("feed-loader",),
    "feed-admin": ("feed-loader", "feed-force"),
    "privacy": ("privacy-officer",),
}
OBSERVER: Final = "network-observer"
DEMO_ROLES: Final = (
    "desk-operator",
    "circulation-manager",
    "patron-manager",
    "feed-loader",
    "feed-force",
)
CLI_CLIENT: Final = "rebub-cli"
OPS_CLIENT: Final = "rebub-ops"


def dev_password(username: str) -> str:
    """The development password of a local user (never used outside the local provider)."""
    return f"{username}-dev-password"


def dev_secret(client_id: str) -> str:
    """The development secret of a local machine client."""
    return f"{client_id}-dev-secret"


def demo_client(code: str) -> str:
    return f"rebub-demo-{code}"


def desk_client_id(code: str) -> str:
    """The OIDC client of an institution's web desk (``services/desk``)."""
    return f"rebub-desk-{code}"


#: Where the local desks send the browser back: any port of the loopback address (RFC 8252
#: section 7.3: the provider ignores the port of a loopback redirect URI), so every port base of
#: ``rebub up`` and of the tests works with one realm.
LOCAL_DESK_URLS: Final = ("http://127.0.0.1",)
#: The address of each institution's desk in production (the overlay's REBUB_DESK__PUBLIC_URL).
PRODUCTION_DESK_URL: Final = "https://desk.{code}.rebub.example.org"


@dataclass(frozen=True)
class Identity:
    """A user or a machine client's service account: who it is, for whom, with which roles."""

    name: str  # username, or client id for a machine client
    institution: TenantCode
    roles: tuple[str, ...]


def staff(code: str) -> list[Identity]:
    """The six local users of one institution."""
    return [Identity(f"{code}-{suffix}", code, roles) for suffix, roles in STAFF.items()]


def users() -> list[Identity]:
    """Every local user: six per institution of the network file, and the network observer."""
    everyone = [user for code in institution_codes() for user in staff(code)]
    return [*everyone, Identity(OBSERVER, NETWORK, (OBSERVER,))]


def machine_clients() -> list[Identity]:
    """Every confidential client with a service account (client credentials grant)."""
    demo = [Identity(demo_client(code), code, DEMO_ROLES) for code in institution_codes()]
    return [*demo, Identity(OPS_CLIENT, NETWORK, (OBSERVER,))]


def service_account(client_id: str) -> str:
    """The username Keycloak gives a client's service account (the ``sub`` of its tokens)."""
    return f"service-account-{client_id}"


# -- the JSON document ----------------------------------------------------------------------


def _mapper(name: str, mapper: str, config: dict[str, str]) -> dict[str, Any]:
    tokens = {"access.token.claim": "true", "id.token.claim": "true"}
    return {
        "name": name,
        "protocol": "openid-connect",
        "protocolMapper": mapper,
        "config": tokens | config,
    }


def _scope() -> dict[str, Any]:
    property_mapper = "oidc-usermodel-property-mapper"
    string = {"jsonType.label": "String"}
    return {
        "name": "rebub",
        "protocol": "openid-connect",
        "description": "The claims every rebub service reads",
        "attributes": {"include.in.token.scope": "false"},
        "protocolMappers": [
            _mapper(
                "audience",
                "oidc-audience-mapper",
                {"included.custom.audience": AUDIENCE, "id.token.claim": "false"},
            ),
            _mapper(
                "institution",
                "oidc-usermodel-attribute-mapper",
                {"user.attribute": "institution", "claim.name": "institution"} | string,
            ),
            _mapper(
                "roles",
                "oidc-usermodel-realm-role-mapper",
                {"claim.name": "roles", "multivalued": "true"} | string,
            ),
            _mapper(
                "sub",
                property_mapper,
                {"user.attribute": "username", "claim.name": "sub"} | string,
            ),
            _mapper(
                "username",
                property_mapper,
                {"user.attribute": "username", "claim.name": "preferred_username"} | string,
            ),
        ],
    }


def _user_profile() -> str:
    """Keycloak's declarative user profile with the ``institution`` attribute declared."""
    admin_only = {"view": ["admin"], "edit": ["admin"]}
    tenants = list(tenant_codes())
    config = {
        "attributes": [
            {
                "name": "username",
                "displayName": "${username}",
                "validations": {"length": {"min": 3, "max": 255}},
                "permissions": {"view": ["admin", "user"], "edit": ["admin"]},
            },
            {
                "name": "email",
                "displayName": "${email}",
                "validations": {"email": {}, "length": {"max": 255}},
                "permissions": {"view": ["admin", "user"], "edit": ["admin"]},
            },
            {"name": "firstName", "displayName": "${firstName}", "permissions": admin_only},
            {"name": "lastName", "displayName": "${lastName}", "permissions": admin_only},
            {
                "name": "institution",
                "displayName": "Institution",
                "validations": {"options": {"options": tenants}},
                "permissions": admin_only,
            },
        ],
        "groups": [],
    }
    return json.dumps(config)


def user_document(identity: Identity) -> dict[str, Any]:
    """A local user as Keycloak imports it (and its admin API creates it)."""
    return {
        "username": identity.name,
        "enabled": True,
        "email": f"{identity.name}@rebub.test",
        "emailVerified": True,
        "firstName": identity.institution.upper(),
        "lastName": identity.name,
        "attributes": {"institution": [identity.institution]},
        "realmRoles": list(identity.roles),
        "credentials": [
            {"type": "password", "value": dev_password(identity.name), "temporary": False}
        ],
    }


def _client_base(client_id: str, description: str) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "name": client_id,
        "description": description,
        "enabled": True,
        "protocol": "openid-connect",
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "frontchannelLogout": False,
        "fullScopeAllowed": True,
        "defaultClientScopes": ["rebub"],
        "optionalClientScopes": [],
    }


def _machine_client(identity: Identity) -> dict[str, Any]:
    description = (
        f"Machine client of {institution(identity.institution).name}"
        if identity.institution != NETWORK
        else "Operations tools: rebub status, rebub topics"
    )
    return _client_base(identity.name, description) | {
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "secret": dev_secret(identity.name),
        "serviceAccountsEnabled": True,
        "directAccessGrantsEnabled": False,
    }


def _service_account_user(identity: Identity) -> dict[str, Any]:
    return {
        "username": service_account(identity.name),
        "enabled": True,
        "serviceAccountClientId": identity.name,
        "attributes": {"institution": [identity.institution]},
        "realmRoles": list(identity.roles),
    }


def desk_client(code: str, urls: tuple[str, ...], secret: str | None = None) -> dict[str, Any]:
    """The confidential client of ``code``'s web desk: Authorization Code flow with PKCE (S256),
    its redirect URI ``{url}/connexion/retour`` and, after logout, back to ``{url}/``."""
    whose = "the network team" if code == NETWORK else institution(code).name
    document = _client_base(desk_client_id(code), f"Web desk of {whose}") | {
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "standardFlowEnabled": True,
        "serviceAccountsEnabled": False,
        "directAccessGrantsEnabled": False,
        "redirectUris": [f"{url}/connexion/retour" for url in urls],
        "webOrigins": [],
        "attributes": {
            "pkce.code.challenge.method": "S256",
            "post.logout.redirect.uris": "##".join(f"{url}/" for url in urls),
        },
    }
    if secret is not None:
        document["secret"] = secret
    return document


def realm() -> dict[str, Any]:
    """The local development realm ``rebub`` in Keycloak's import format (a
    ``RealmRepresentation``): the contract's users, demo and ops clients, with their development
    passwords and secrets."""
    cli = _client_base(CLI_CLIENT, "rebub token USER: password grant for local users") | {
        "publicClient": True,
        "directAccessGrantsEnabled": True,
        "serviceAccountsEnabled": False,
    }
    machines = machine_clients()
    return _common() | {
        "displayName": "rebub (local development)",
        "sslRequired": "none",  # plain HTTP on loopback only
        "accessTokenLifespan": ACCESS_TOKEN_LIFESPAN_S,
        "bruteForceProtected": False,
        # Development passwords: a cheap hash keeps the import of every user fast.
        "passwordPolicy": "hashAlgorithm(pbkdf2-sha256) and hashIterations(1000)",
        "clients": [
            cli,
            *map(_machine_client, machines),
            *(
                desk_client(code, LOCAL_DESK_URLS, dev_secret(desk_client_id(code)))
                for code in institution_codes()
            ),
        ],
        "users": [
            *map(user_document, users()),
            *map(_service_account_user, machines),
        ],
    }


def production_clients() -> list[Identity]:
    """The machine clients of production: each DSI's feed upload, and the operations tools."""
    feeds = [Identity(f"rebub-feed-{code}", code, ("feed-loader",)) for code in institution_codes()]
    return [*feeds, Identity(OPS_CLIENT, NETWORK, (OBSERVER,))]


def production_realm() -> dict[str, Any]:
    """The realm's skeleton for production (``deploy/identity/rebub-realm.json``): roles, the
    ``rebub`` scope, the user profile, the machine clients and the web desks' clients without
    secrets (Keycloak generates them). No user: staff log in through their institution's identity provider (docs/deploy.md)."""
    machines = production_clients()
    clients = [{k: v for k, v in _machine_client(m).items() if k != "secret"} for m in machines]
    # The institutions' desks and the network team's (its network page: docs/desk.md).
    clients += [
        desk_client(code, (PRODUCTION_DESK_URL.format(code=code),))
        for code in (*institution_codes(), NETWORK)
    ]
    return _common() | {
        "displayName": "rebub",
        "sslRequired": "external",
        "accessTokenLifespan": 5 * 60,
        "bruteForceProtected": True,
        "clients": clients,
        "users": [_service_account_user(m) for m in machines],
    }


def _common() -> dict[str, Any]:
    return {
        "realm": REALM,
        "enabled": True,
        # The login pages in French (the desks' staff), English on request.
        "internationalizationEnabled": True,
        "supportedLocales": ["fr", "en"],
        "defaultLocale": "fr",
        "roles": {"realm": [{"name": name, "description": text} for name, text in ROLES.items()]},
        "clientScopes": [_scope()],
        "defaultDefaultClientScopes": ["rebub"],
        "defaultOptionalClientScopes": [],
        "components": {
            "org.keycloak.userprofile.UserProfileProvider": [
                {
                    "providerId": "declarative-user-profile",
                    "subComponents": {},
                    "config": {"kc.user.profile.config": [_user_profile()]},
                }
            ]
        },
    }
