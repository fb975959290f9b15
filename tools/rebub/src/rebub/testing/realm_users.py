"""An institution's development users (and its desk client) added to a running local realm, through Keycloak's admin
REST API.

The realm is generated from the network file when the local provider starts; a test that adds an
institution as data (its own ``REBUB_NETWORK_FILE``) runs against a provider started with the
shipped file, so it adds that institution's five users, and its code to the user profile's
allowed institutions, here. Idempotent: a second call changes nothing. Development credentials
only (the master realm's ``admin``, the users' ``dev_password``).
"""

from __future__ import annotations

from typing import Any

import httpx

from rebub.infra.keycloak import ADMIN
from rebub.infra.keycloak_realm import (
    LOCAL_DESK_URLS,
    desk_client,
    desk_client_id,
    dev_password,
    dev_secret,
    staff,
    user_document,
)
from rebub_shared.tenancy import institution_codes


class RealmAdminError(RuntimeError):
    """The provider refused an admin call; the message names the call and its answer."""


def _checked(answer: httpx.Response, what: str, *ok: int) -> httpx.Response:
    if answer.status_code not in (ok or (200, 201, 204)):
        raise RealmAdminError(f"{what}: {answer.status_code} {answer.text[:300]}")
    return answer


def _admin_client(issuer: str) -> tuple[httpx.Client, str]:
    base, realm = issuer.rstrip("/").split("/realms/", 1)
    form = {
        "grant_type": "password",
        "client_id": "admin-cli",
        "username": ADMIN,
        "password": dev_password(ADMIN),
    }
    token = _checked(
        httpx.post(f"{base}/realms/master/protocol/openid-connect/token", data=form, timeout=30),
        "admin token",
    ).json()["access_token"]
    client = httpx.Client(
        base_url=f"{base}/admin/realms/{realm}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return client, realm


def _allow_institution(admin: httpx.Client, code: str) -> None:
    profile: dict[str, Any] = _checked(admin.get("/users/profile"), "read user profile").json()
    [attribute] = [a for a in profile["attributes"] if a["name"] == "institution"]
    options: list[str] = attribute["validations"]["options"]["options"]
    if code not in options:
        options.append(code)
        _checked(admin.put("/users/profile", json=profile), "write user profile")


def _add_user(admin: httpx.Client, document: dict[str, Any]) -> None:
    username = document["username"]
    roles = document.pop("realmRoles")
    _checked(admin.post("/users", json=document), f"create {username}", 201, 409)
    [user] = _checked(
        admin.get("/users", params={"username": username, "exact": "true"}), f"find {username}"
    ).json()
    mappings = f"/users/{user['id']}/role-mappings/realm"
    wanted = [_checked(admin.get(f"/roles/{r}"), f"role {r}").json() for r in roles]
    _checked(admin.post(mappings, json=wanted), f"roles of {username}")
    # Keycloak gives a user created this way the realm's default roles; the imported users have
    # none, and their tokens' roles are exactly the contract's.
    extra = [r for r in _checked(admin.get(mappings), "roles").json() if r["name"] not in roles]
    if extra:
        _checked(admin.request("DELETE", mappings, json=extra), f"default roles of {username}")


def add_institution_users(issuer: str, code: str) -> list[str]:
    """Add the five development users of institution ``code`` to the realm of ``issuer``; return
    their usernames (each logs in with its ``dev_password``)."""
    admin, _ = _admin_client(issuer)
    with admin:
        _allow_institution(admin, code)
        identities = staff(code)
        for identity in identities:
            _add_user(admin, user_document(identity))
    return [identity.name for identity in identities]


def add_desk_client(issuer: str, code: str) -> str:
    """Add (or update) institution ``code``'s web desk client in the realm of ``issuer`` (a
    provider started before the realm had it); return its client id. Idempotent."""
    document = desk_client(code, LOCAL_DESK_URLS, dev_secret(desk_client_id(code)))
    admin, _ = _admin_client(issuer)
    with admin:
        client_id: str = document["clientId"]
        answer = admin.post("/clients", json=document)
        if answer.status_code == 409:
            [found] = _checked(
                admin.get("/clients", params={"clientId": client_id}), f"find {client_id}"
            ).json()
            _checked(admin.put(f"/clients/{found['id']}", json=document), f"update {client_id}")
        else:
            _checked(answer, f"create {client_id}", 201)
    return client_id


def add_desk_clients(issuer: str) -> list[str]:
    """Every institution's web desk client (``rebub up`` on a provider started without them)."""
    return [add_desk_client(issuer, code) for code in institution_codes()]
