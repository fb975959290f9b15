"""Each tenant's services write only their own databases.

On FerretDB (no users) the names prove it (``rebub.testing.isolation``); on a MongoDB with users,
the users generated from the same definition make the store refuse the rest.
"""

from __future__ import annotations

import os
import uuid
from contextlib import AsyncExitStack
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure, PyMongoError

from rebub.deploy.mongo_users import drop_users, ensure_users, roles
from rebub.testing.isolation import assert_only_tenant_databases, assert_store_isolated
from rebub.testing.plugin import Namespace
from rebub_shared.runtime import build_runtime, running
from rebub_shared.settings import ServiceSettings

Client = AsyncMongoClient[dict[str, Any]]


def test_the_helper_names_the_databases_of_another_tenant():
    names = ["t1_ub_circulation", "t1_ubm_circulation", "t1_ub_cache", "t2_bsa_notifier"]

    with pytest.raises(AssertionError, match=r"found \['t1_ub_cache', 't1_ubm_circulation'\]"):
        assert_only_tenant_databases(names, "ub", "t1_")
    assert_only_tenant_databases(names[:1], "ub", "t1_")  # other prefixes are other tests'


def test_mongodb_roles_are_read_write_on_the_tenants_databases_only():
    assert roles("ub", "t1_") == [
        {"role": "readWrite", "db": "t1_ub_circulation"},
        {"role": "readWrite", "db": "t1_ub_patron_sync"},
        {"role": "readWrite", "db": "t1_ub_notifier"},
        {"role": "readWrite", "db": "t1_ub_desk"},
    ]
    assert roles("network") == [
        {"role": "readWrite", "db": "network_patron_sync"},
        {"role": "readWrite", "db": "network_desk"},  # the network team's desk: its sessions
    ]


@pytest.mark.integration
async def test_two_tenants_runtimes_under_one_prefix_write_only_their_own_databases(
    namespace: Namespace, mongo_client: Client
):
    runtimes = [
        build_runtime(
            ServiceSettings(tenant=tenant, kafka=namespace.kafka(), mongo=namespace.mongo()),
            "circulation",
        )
        for tenant in ("ub", "bsa")
    ]
    prefix = namespace.database_prefix
    async with AsyncExitStack() as stack:
        for runtime in runtimes:
            await stack.enter_async_context(running(runtime))
            assert runtime.db.name == f"{prefix}{runtime.tenant}_circulation"
            await runtime.db["loans"].insert_one({"tenant": runtime.tenant})

    names = sorted(n for n in await mongo_client.list_database_names() if n.startswith(prefix))
    assert names == [f"{prefix}bsa_circulation", f"{prefix}ub_circulation"]
    assert_only_tenant_databases([f"{prefix}ub_circulation"], "ub", prefix)
    with pytest.raises(AssertionError, match=f"{prefix}bsa_circulation"):
        await assert_store_isolated(mongo_client, prefix, "ub")


async def _mongodb_with_auth(uri: str | None) -> str | None:
    """Why the MongoDB-users test cannot run here, or None when it can."""
    if not uri:
        return "set REBUB_MONGO_URI to an administrator's URI of a MongoDB with authorization"
    client: Client = AsyncMongoClient(uri, serverSelectionTimeoutMS=3000)
    try:
        if "ferretdbVersion" in await client.admin.command("buildInfo"):
            return "REBUB_MONGO_URI is FerretDB, which enforces no users"
        status = await client.admin.command("connectionStatus")
        if not status["authInfo"]["authenticatedUsers"]:
            return "REBUB_MONGO_URI logs in as nobody: give an administrator's credentials"
    except PyMongoError as error:
        return f"REBUB_MONGO_URI does not answer: {error}"
    finally:
        await client.close()
    return None


@pytest.mark.integration
async def test_on_mongodb_with_users_a_tenant_cannot_write_another_tenants_database():
    uri = os.environ.get("REBUB_MONGO_URI")
    reason = await _mongodb_with_auth(uri)
    if reason:
        pytest.skip(f"needs MongoDB with users (FerretDB v1 has none): {reason}")
    assert uri
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    admin: Client = AsyncMongoClient(uri)
    passwords = {"ub": uuid.uuid4().hex, "bsa": uuid.uuid4().hex}
    await ensure_users(admin, passwords, prefix=prefix)
    await ensure_users(admin, passwords, prefix=prefix)  # a second run updates, never fails
    ub: Client = AsyncMongoClient(
        uri, username=f"{prefix}ub", password=passwords["ub"], authSource="admin"
    )
    try:
        await ub[f"{prefix}ub_circulation"]["loans"].insert_one({"ok": True})
        with pytest.raises(OperationFailure) as refused:
            await ub[f"{prefix}bsa_circulation"]["loans"].insert_one({"ok": False})
        assert refused.value.code == 13  # Unauthorized
    finally:
        await ub.close()
        for db in (f"{prefix}ub_circulation", f"{prefix}bsa_circulation"):
            await admin.drop_database(db)
        await drop_users(admin, list(passwords), prefix=prefix)
        await admin.close()
