"""MongoDB users and roles from the one definition (``rebub.deploy.acl.databases``).

The platform's MongoDBCommunity resource declares the same users (``rebub.deploy.manifests``);
this creates them on a MongoDB an operator (or a test) administers directly: one user per tenant,
named by the tenant, with ``readWrite`` on that tenant's databases only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure

from rebub.deploy.acl import databases
from rebub_shared.tenancy import TenantCode

USER_NOT_FOUND = 11


def roles(tenant: TenantCode, prefix: str = "") -> list[dict[str, str]]:
    """``readWrite`` on each of the tenant's databases (under a test's ``prefix``)."""
    return [{"role": "readWrite", "db": f"{prefix}{db}"} for db in databases(tenant)]


def user_command(
    tenant: TenantCode, password: str, *, prefix: str = "", create: bool = True
) -> dict[str, Any]:
    """The ``createUser`` (or ``updateUser``) command of one tenant's user."""
    verb = "createUser" if create else "updateUser"
    return {verb: f"{prefix}{tenant}", "pwd": password, "roles": roles(tenant, prefix)}


async def ensure_users(
    client: AsyncMongoClient[dict[str, Any]],
    passwords: Mapping[TenantCode, str],
    *,
    prefix: str = "",
) -> None:
    """Create each tenant's user in ``admin``, or bring an existing one's roles and password up to date."""
    admin = client.admin
    for tenant, password in passwords.items():
        name = f"{prefix}{tenant}"
        found = await admin.command("usersInfo", name)
        exists = bool(found.get("users"))
        await admin.command(user_command(tenant, password, prefix=prefix, create=not exists))


async def drop_users(
    client: AsyncMongoClient[dict[str, Any]], tenants: list[TenantCode], *, prefix: str = ""
) -> None:
    """Remove the users ``ensure_users`` created (a test's cleanup)."""
    for tenant in tenants:
        try:
            await client.admin.command("dropUser", f"{prefix}{tenant}")
        except OperationFailure as error:
            if error.code != USER_NOT_FOUND:
                raise
