"""What the services of a tenant really do on the broker equals what their specs declare.

The network zone's patron-sync and ub's patron-sync, circulation and notifier run (real broker,
real store, in this process). The consumer groups the broker knows must be the groups of the
specs' ``topology()``, and each running broker's live consumers (their group, the topics they
subscribe to, the client that joined) those of its own spec; every topic a service
wrote to during a short scenario (each record names its writer in ``ce_source``) must be among
its spec's publications. The deploy manifests, the autoscaler's triggers and the ACLs are
generated from the same ``topology()``: a group a manifest names and no service joins (the bug
this test was written for: KEDA watched ``ub.circulation.main``, which nothing used) cannot come
back without this test failing.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from circulation.service_layer.commands import ItemRecord, LoadItems
from patron_sync.entrypoints.http import create_app as patron_sync_app
from patron_sync.service_layer.commands import ImportFeed
from patron_sync.settings import PatronSyncSettings
from rebub.demo.feeds import write_csv_feed
from rebub.deploy.manifests import autoscaling
from rebub.identity import DevTokens
from rebub.mailbox import LocalMailbox
from rebub.testing.institution_apps import circulation_and_notifier
from rebub.testing.plugin import Namespace
from rebub.testing.serving import in_process
from rebub.testing.tokens import bearer
from rebub.testing.waiting import eventually
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.service import ServiceSpec
from rebub_shared.topics import DEAD_LETTER_SUFFIX

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # 10:00 in Bordeaux, the libraries open
Groups = dict[str, tuple[str, frozenset[str]]]  # group -> (client id, topics subscribed)


def lag_triggers(tenant: str) -> set[tuple[str, str]]:
    """The (consumer group, topic) pairs the tenant's generated KEDA ScaledObjects watch."""
    return {
        (trigger["metadata"]["consumerGroup"], trigger["metadata"]["topic"])
        for scaled in autoscaling(tenant)
        if scaled["kind"] == "ScaledObject"
        for trigger in scaled["spec"]["triggers"]
    }


def declared(spec: ServiceSpec) -> Groups:
    """The groups a spec declares, with the client id its broker joins them as."""
    client = f"{spec.tenant}.{spec.service}"
    return {c.group: (client, frozenset(c.topics)) for c in spec.topology().consumes}


def live(spec: ServiceSpec) -> Groups:
    """The groups the running broker's consumers are in, with their subscriptions."""
    client = f"{spec.tenant}.{spec.service}"
    return {
        str(s.group_id): (client, frozenset(s.consumer.subscription()))
        for s in spec.runtime.broker.subscribers
        if s.consumer is not None
    }


async def broker_groups(bootstrap: str, prefix: str) -> set[str]:
    """The consumer groups the Kafka broker knows under ``prefix``. (Their members' metadata is
    read from the live consumers instead: aiokafka 0.14 cannot decode Kafka 4.1's answer to
    DescribeGroups.)"""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {g[0] for g in await admin.list_consumer_groups() if g[0].startswith(prefix)}
    finally:
        await admin.close()


async def writers(bootstrap: str, prefix: str) -> dict[str, set[str]]:
    """Per ``ce_source`` of the records under ``prefix`` (dead letters aside), their topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [
            t
            for t in await admin.list_topics()
            if t.startswith(prefix) and DEAD_LETTER_SUFFIX + "." not in t
        ]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    sources: dict[str, set[str]] = {}
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                for record in records:
                    source = dict(record.headers).get("ce_source", b"?").decode()
                    sources.setdefault(source, set()).add(record.topic)
    finally:
        await consumer.stop()
    return sources


def served(app: FastAPI, token: str) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    return in_process(app, bearer(token))


async def test_running_services_subscribe_and_publish_as_their_specs_declare(
    namespace: Namespace, oidc_issuer: str, dev_tokens: DevTokens, tmp_path: Path
) -> None:
    common: dict[str, Any] = {
        "environment": "test",
        "kafka": namespace.kafka(),
        "mongo": namespace.mongo(),
        "fast_consumers": True,
        "auth": AuthSettings(issuer=oidc_issuer),
    }
    bootstrap, prefix = namespace.backends.kafka_bootstrap, namespace.topic_prefix
    with LocalMailbox(tmp_path / "mailbox") as mailbox:
        apps = {
            "network": patron_sync_app(PatronSyncSettings(tenant="network", **common)),
            "patron-sync": patron_sync_app(PatronSyncSettings(tenant="ub", **common)),
            **circulation_and_notifier("ub", common, mailbox.port, tmp_path / "letters", THU_1_OCT),
        }
        specs: dict[str, ServiceSpec] = {name: app.state.spec for name, app in apps.items()}
        async with AsyncExitStack() as stack:
            clients = {
                name: await stack.enter_async_context(served(app, dev_tokens.user("ub-manager")))
                for name, app in apps.items()
            }
            expected: Groups = {}
            for spec in specs.values():
                expected |= declared(spec)
            assert len(expected) == sum(len(s.topology().groups) for s in specs.values())

            async def joined() -> bool:
                return await broker_groups(bootstrap, prefix) == set(expected)

            await eventually(joined, "the broker's groups are the specs' groups", 90, every_s=0.5)
            for spec in specs.values():
                assert live(spec) == declared(spec), spec.service
            # The generated autoscaling watches exactly the groups and topics the running
            # consumers use (issue 15: the triggers named groups nothing joined).
            for tenant in ("network", "ub"):
                running = {
                    (group.removeprefix(prefix), topic.removeprefix(prefix))
                    for spec in specs.values()
                    if spec.tenant == tenant
                    for group, (_, topics) in live(spec).items()
                    for topic in topics
                }
                assert lag_triggers(tenant) == running, tenant

            loan_id = await _scenario(apps, clients, tmp_path)
            receipt = f"/loans/{loan_id}/receipt"

            async def receipt_sent() -> bool:
                return (await clients["notifier"].post(receipt)).status_code == 201

            await eventually(receipt_sent, "the notifier knows the loan and its patron", 60)

        written = await writers(bootstrap, prefix)
    for name, spec in specs.items():
        segments = {spec.service, str(spec.tenant)}
        topics = set().union(
            *(t for source, t in written.items() if segments <= set(source.split("/")))
        )
        assert topics, f"{name} wrote nothing: the scenario must exercise it"
        assert topics <= set(spec.topology().topics_written), name


async def _scenario(
    apps: dict[str, FastAPI], clients: dict[str, httpx.AsyncClient], tmp_path: Path
) -> str:
    """An import, an external reader, a loan to that reader: each service writes something."""
    feed = write_csv_feed(tmp_path / "ub.csv", 3, "ub", seed=3)
    await apps["network"].state.service.import_feed(ImportFeed(feed.path, "ub"))
    reader = {"last_name": "Lecteur", "user_group": "LECTEUR_EXTERIEUR"}
    reader |= {"expiry_date": "2027-09-30", "emails": [{"address": "lecteur@example.org"}]}
    created = await clients["patron-sync"].post("/external-readers", json=reader)
    assert created.status_code == 201, created.text
    patron_id = created.json()["account_id"]
    bus = apps["circulation"].state.bus
    item = ItemRecord(barcode="UB0000042", title="Titre", library="BUST", location="BUST-LA")
    await bus.handle(LoadItems(institution="ub", items=(item,)))
    checkout = {"patron": patron_id, "item_barcode": item.barcode}
    loan: dict[str, Any] = {}

    async def lent() -> bool:  # once circulation has the reader from ub.patron.v1
        answer = await clients["circulation"].post(
            "/loans", json=checkout, headers={"X-Desk": "BUST-PRET"}
        )
        loan.update(answer.json().get("loan", {}) if answer.status_code == 201 else {})
        return answer.status_code == 201

    await eventually(lent, "circulation lends to the new reader", 60)
    return str(loan["loan_id"])
