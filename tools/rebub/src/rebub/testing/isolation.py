"""Store isolation: after a scenario, every database a tenant's services created is one of its own.

The rule is the one the MongoDB users are generated from (``rebub.deploy.acl.databases``): a tenant
writes ``{prefix}{tenant}_{service}`` and nothing else. FerretDB (the local store) enforces no
users, so tests check the names instead; on a MongoDB with users the store itself refuses
(``rebub.deploy.mongo_users``).

How a service's integration test uses it (one tenant per namespace)::

    from rebub.testing.isolation import assert_store_isolated

    async def test_checkout_writes_only_ub_databases(namespace, mongo_client):
        ...  # run the scenario with settings tenant="ub", mongo=namespace.mongo()
        await assert_store_isolated(mongo_client, namespace.database_prefix, "ub")
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import AsyncMongoClient

from rebub.deploy.acl import databases
from rebub_shared.tenancy import TenantCode


def tenant_databases(tenant: TenantCode, prefix: str = "") -> set[str]:
    """The databases ``tenant``'s MongoDB user may use, under a test's ``prefix``."""
    return {f"{prefix}{name}" for name in databases(tenant)}


def foreign_databases(names: Iterable[str], tenant: TenantCode, prefix: str = "") -> list[str]:
    """Of the databases under ``prefix`` in ``names``, those ``tenant`` does not own."""
    own = tenant_databases(tenant, prefix)
    return sorted(n for n in names if n.startswith(prefix) and n not in own)


def assert_only_tenant_databases(names: Iterable[str], tenant: TenantCode, prefix: str) -> None:
    """Fail, naming them, when databases under ``prefix`` belong to anyone but ``tenant``."""
    foreign = foreign_databases(names, tenant, prefix)
    assert not foreign, (
        f"tenant {tenant!r} may only use {sorted(tenant_databases(tenant, prefix))}, "
        f"found {foreign}"
    )


async def assert_store_isolated(
    client: AsyncMongoClient[dict[str, Any]], prefix: str, tenant: TenantCode
) -> list[str]:
    """List the store's databases under ``prefix`` and check they are all ``tenant``'s own."""
    names = sorted(n for n in await client.list_database_names() if n.startswith(prefix))
    assert_only_tenant_databases(names, tenant, prefix)
    return names
