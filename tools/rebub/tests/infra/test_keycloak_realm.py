"""The generated realm holds exactly the identity contract: roles, users and clients of every
institution, with the mappers that put ``aud``, ``institution``, ``roles`` and ``sub`` in tokens."""

from __future__ import annotations

import json
from typing import Any

from rebub.infra.keycloak_realm import production_realm, realm

INSTITUTIONS = ("ub", "ubm", "scpo", "inp", "bsa")
DEMO = {"desk-operator", "circulation-manager", "patron-manager", "feed-loader", "feed-force"}


def _by(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def test_the_realm_has_exactly_the_roles_of_the_contract() -> None:
    names = {role["name"] for role in realm()["roles"]["realm"]}

    assert names == {
        "desk-operator",
        "circulation-manager",
        "patron-manager",
        "feed-loader",
        "feed-force",
        "network-observer",
        "privacy-officer",
    }


def test_every_institution_has_its_five_users_with_the_contracts_roles() -> None:
    users = _by(realm()["users"], "username")

    for code in INSTITUTIONS:
        expected = {
            f"{code}-desk": ["desk-operator"],
            f"{code}-manager": ["desk-operator", "circulation-manager", "patron-manager"],
            f"{code}-patrons": ["desk-operator", "patron-manager"],
            f"{code}-feed": ["feed-loader"],
            f"{code}-feed-admin": ["feed-loader", "feed-force"],
            f"{code}-privacy": ["privacy-officer"],
        }
        for username, roles in expected.items():
            user = users[username]
            assert sorted(user["realmRoles"]) == sorted(roles), username
            assert user["attributes"] == {"institution": [code]}
            assert user["credentials"][0]["value"] == f"{username}-dev-password"
    observer = users["network-observer"]
    assert observer["realmRoles"] == ["network-observer"]
    assert observer["attributes"] == {"institution": ["network"]}
    people = [u for u in users.values() if "serviceAccountClientId" not in u]
    assert len(people) == 5 * 6 + 1


def test_machine_clients_have_their_secret_institution_and_roles() -> None:
    document = realm()
    clients = _by(document["clients"], "clientId")
    accounts = _by(
        [u for u in document["users"] if "serviceAccountClientId" in u], "serviceAccountClientId"
    )

    expected = {f"rebub-demo-{code}": (code, DEMO) for code in INSTITUTIONS}
    expected["rebub-ops"] = ("network", {"network-observer"})
    assert set(accounts) == set(expected)
    for client_id, (institution, roles) in expected.items():
        client = clients[client_id]
        assert client["secret"] == f"{client_id}-dev-secret"
        assert client["serviceAccountsEnabled"]
        assert not client["publicClient"]
        assert not client["directAccessGrantsEnabled"]
        assert not client["standardFlowEnabled"]
        account = accounts[client_id]
        assert account["username"] == f"service-account-{client_id}"
        assert account["attributes"] == {"institution": [institution]}
        assert set(account["realmRoles"]) == roles
    cli = clients["rebub-cli"]
    assert cli["publicClient"]
    assert cli["directAccessGrantsEnabled"]
    assert not cli["serviceAccountsEnabled"]


def test_every_client_gets_the_rebub_scope_and_its_mappers() -> None:
    document = realm()
    (scope,) = document["clientScopes"]
    mappers = {m["name"]: m for m in scope["protocolMappers"]}

    assert all(c["defaultClientScopes"] == [scope["name"]] for c in document["clients"])
    assert mappers["audience"]["config"]["included.custom.audience"] == "rebub"
    assert mappers["institution"]["config"]["user.attribute"] == "institution"
    assert mappers["roles"]["protocolMapper"] == "oidc-usermodel-realm-role-mapper"
    assert mappers["roles"]["config"]["claim.name"] == "roles"
    assert mappers["sub"]["config"] == mappers["sub"]["config"] | {
        "user.attribute": "username",
        "claim.name": "sub",
    }
    # The user profile declares `institution`, so Keycloak keeps and maps the attribute.
    (profile,) = document["components"]["org.keycloak.userprofile.UserProfileProvider"]
    declared = json.loads(profile["config"]["kc.user.profile.config"][0])["attributes"]
    institution = next(a for a in declared if a["name"] == "institution")
    assert institution["validations"]["options"]["options"] == ["network", *INSTITUTIONS]


def test_the_definition_is_the_same_at_every_call() -> None:
    # The local provider re-imports the realm only when this document changes.
    assert json.dumps(realm(), sort_keys=True) == json.dumps(realm(), sort_keys=True)


def test_the_production_skeleton_has_no_person_and_no_secret() -> None:
    document = production_realm()
    clients = _by(document["clients"], "clientId")

    # the institutions' desks and the network team's (its network page)
    desks = {f"rebub-desk-{code}" for code in (*INSTITUTIONS, "network")}
    assert set(clients) == {f"rebub-feed-{code}" for code in INSTITUTIONS} | {"rebub-ops"} | desks
    assert all("secret" not in c for c in clients.values())
    assert clients["rebub-desk-ub"]["redirectUris"] == [
        "https://desk.ub.rebub.example.org/connexion/retour"
    ]
    assert all("serviceAccountClientId" in u for u in document["users"])
    feed = next(u for u in document["users"] if u["serviceAccountClientId"] == "rebub-feed-scpo")
    assert feed["realmRoles"] == ["feed-loader"]
    assert feed["attributes"] == {"institution": ["scpo"]}
    assert document["sslRequired"] == "external"
    # The same roles, scope and user profile as the local realm: one definition.
    local = realm()
    for key in ("roles", "clientScopes", "components"):
        assert document[key] == local[key]


def test_each_desk_logs_in_with_the_code_flow_and_pkce_and_nothing_else() -> None:
    clients = _by(realm()["clients"], "clientId")
    for code in INSTITUTIONS:
        desk = clients[f"rebub-desk-{code}"]
        assert desk["publicClient"] is False
        assert desk["secret"] == f"rebub-desk-{code}-dev-secret"
        assert (desk["standardFlowEnabled"], desk["implicitFlowEnabled"]) == (True, False)
        assert (desk["directAccessGrantsEnabled"], desk["serviceAccountsEnabled"]) == (False, False)
        assert desk["attributes"]["pkce.code.challenge.method"] == "S256"
        # any port of the loopback address (RFC 8252): every port base of `rebub up` and tests
        assert desk["redirectUris"] == ["http://127.0.0.1/connexion/retour"]
