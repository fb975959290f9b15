"""Poison on every topic each service consumes (circulation, notifier and patron-sync of ub):
records that are not JSON, of an unknown type, without headers, from a tenant that may not write
there, oversized, or failing validation go to the dead letters with their reason, and each
consumer goes on to the good record after them."""

from __future__ import annotations

import dataclasses
import json
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from circulation.entrypoints.http import create_app as circulation_app
from circulation.settings import CirculationSettings
from notifier.entrypoints.http import create_app as notifier_app
from notifier.settings import NotifierSettings, SmtpSettings
from patron_sync.entrypoints.http import create_app as patron_sync_app
from patron_sync.settings import PatronSyncSettings
from rebub.testing.plugin import Namespace
from rebub.testing.samples import (
    activity_summary,
    external_reader,
    loan_snapshot,
    nz_account,
    request_snapshot,
)
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import EventPayload
from rebub_shared.contracts.loans import LoanCreated
from rebub_shared.contracts.patrons import (
    ExternalReaderPublished,
    NzAccountChanged,
    PatronChanged,
)
from rebub_shared.contracts.requests import RequestCreated
from rebub_shared.runtime import ensure_topics
from rebub_shared.topic_table import topic_spec
from rebub_shared.topics import Topics

from .conftest import (
    THU_1_OCT,
    Figures,
    app_running,
    eventually,
    free_port,
    produce,
    read_all,
    record_of,
    ub_patron,
)


@dataclasses.dataclass
class Consumed:
    """A topic consumed in ub, by which groups; a good record and one another tenant forged."""

    topic: str
    groups: tuple[tuple[str, str], ...]  # (service, purpose) of each consumer group
    good: tuple[EventPayload, str]  # data, tenant
    forged: tuple[EventPayload, str]


CONSUMED = [
    Consumed(
        "ub.patron.v1",
        (("circulation", "patrons"), ("notifier", "main")),
        (PatronChanged(patron=ub_patron("P-GOOD")), "ub"),
        # The case of issue 12: a valid PatronChanged whose tenant is scpo, on ub's topic.
        (PatronChanged(patron=ub_patron("P-FORGED")), "scpo"),
    ),
    Consumed(
        "net.loan-activity.v1",
        (("circulation", "network-activity"),),
        (activity_summary("bsa", primary_id="P-GOOD"), "bsa"),
        # scpo may write here, but not bsa's summaries
        (activity_summary("bsa", primary_id="P-GOOD"), "scpo"),
    ),
    Consumed(
        "ub.circulation.loan.v1",
        (("notifier", "main"), ("circulation", "webhooks")),
        (LoanCreated(loan=loan_snapshot("L-GOOD", patron_id="P-GOOD")), "ub"),
        (LoanCreated(loan=loan_snapshot("L-FORGED", patron_id="P-GOOD")), "bsa"),
    ),
    Consumed(
        "ub.circulation.request.v1",
        (("notifier", "main"),),
        (RequestCreated(request=request_snapshot("R-GOOD", patron_id="P-GOOD")), "ub"),
        (RequestCreated(request=request_snapshot("R-FORGED", patron_id="P-GOOD")), "inp"),
    ),
    Consumed(
        "nz.patron.v1",
        (("patron-sync", "nz-patron"),),
        (NzAccountChanged(account=nz_account("NZ-GOOD")), "network"),
        (NzAccountChanged(account=nz_account("NZ-FORGED")), "ub"),
    ),
    Consumed(
        "net.external-reader.v1",
        (("patron-sync", "external-reader"),),
        (ExternalReaderPublished(reader=external_reader("EXT-GOOD")), "scpo"),
        (ExternalReaderPublished(reader=external_reader("EXT-FORGED")), "ubm"),  # scpo's reader
    ),
]
POISON = ("not_json", "unknown_type", "no_headers", "forged_tenant", "oversized", "invalid")


def _poison(consumed: Consumed) -> list[tuple[bytes, dict[str, str]]]:
    """The six kinds of poison, in the order of ``POISON``."""
    data, tenant = consumed.good
    value, headers = record_of(data, tenant, "poison")
    return [
        (b"{not json", headers),
        (value, headers | {"ce_type": "fr.bordeaux.rebub.unknown.v1"}),
        (value, {}),
        record_of(consumed.forged[0], consumed.forged[1], "poison"),
        # Below the broker's 1 MB limit, far above any event: the good record's shape, with an
        # 800 KB name or title (the contracts bound their strings: refused for its length).
        (json.dumps(_oversized(data.model_dump(mode="json"))).encode(), headers),
        (json.dumps({"unexpected": True}).encode(), headers),
    ]


def _oversized(payload: Any) -> Any:
    """``payload`` with every name and title ~800 KB long (each payload has one or more)."""
    if isinstance(payload, dict):
        return {
            k: OVERSIZED if k in ("last_name", "title") else _oversized(v)
            for k, v in payload.items()
        }
    if isinstance(payload, list):
        return [_oversized(v) for v in payload]
    return payload


OVERSIZED = "x" * 800_000
TOO_LONG = "String should have at most"  # pydantic's message for a bounded string


async def test_poison_on_every_consumed_topic_is_dead_lettered_and_consumers_go_on(
    namespace: Namespace,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    figures: Figures,
    tmp_path: Path,
    oidc_issuer: str,
    desk_auth: httpx.Auth,
) -> None:
    bootstrap = namespace.backends.kafka_bootstrap
    prefix = namespace.topic_prefix
    dead_letter_topics = {c.topic: f"{prefix}ub.dlq.{c.topic}" for c in CONSUMED}
    await ensure_topics(
        bootstrap,
        [topic_spec(prefix + c.topic, Topics(prefix)) for c in CONSUMED]
        + [topic_spec(d, Topics(prefix)) for d in dead_letter_topics.values()],
    )
    common: dict[str, Any] = {
        "tenant": "ub",
        "environment": "test",
        "kafka": namespace.kafka(),
        "mongo": namespace.mongo(),
        "fast_consumers": True,
        "auth": AuthSettings(issuer=oidc_issuer),
    }
    apps = [
        circulation_app(CirculationSettings(**common, jobs_enabled=False), MovableClock(THU_1_OCT)),
        notifier_app(
            NotifierSettings(
                **common,
                smtp=SmtpSettings(port=free_port(), attempts=1),
                letters_dir=tmp_path / "letters",
                scheduler_enabled=False,
            ),
            MovableClock(THU_1_OCT),
        ),
        patron_sync_app(PatronSyncSettings(**common), MovableClock(THU_1_OCT)),
    ]
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app_running(app, desk_auth))
        for consumed in CONSUMED:
            good = (*record_of(*consumed.good, "good"), "same-key")
            poison = [(value, headers, "same-key") for value, headers in _poison(consumed)]
            await produce(bootstrap, prefix + consumed.topic, [*poison, good])
        for consumed in CONSUMED:
            for service, purpose in consumed.groups:
                group = namespace.topics.group("ub", service, purpose)
                await eventually(
                    lambda g=group, c=consumed: _all_committed(bootstrap, g, prefix + c.topic),
                    f"{group} past every record of {consumed.topic}",
                    timeout_s=60,
                )

    circulation = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    assert await circulation["patrons"].find_one({"_id": "P-GOOD"}) is not None
    assert await circulation["patrons"].find_one({"_id": "P-FORGED"}) is None  # not applied
    patron_sync = mongo_client[f"{namespace.database_prefix}ub_patron_sync"]
    assert await patron_sync["nz_accounts"].find_one({"_id": "NZ-GOOD"}) is not None
    assert await patron_sync["nz_accounts"].find_one({"_id": "NZ-FORGED"}) is None

    dead_lettered = 0
    for consumed in CONSUMED:
        records = await read_all(bootstrap, dead_letter_topics[consumed.topic], settle_s=1)
        reasons = [dict(r.headers)["dlq_reason"].decode() for r in records]
        shown = (consumed.topic, [r[:160] for r in reasons])
        # Each consumer group of the topic sets aside each poison record, with its reason.
        assert len(reasons) == len(POISON) * len(consumed.groups), shown
        forged = [
            r
            for r in reasons
            if f"ce_tenant is '{consumed.forged[1]}'" in r
            or (f"ce_tenant: '{consumed.forged[1]}' may not write" in r)
        ]
        assert len(forged) == len(consumed.groups), shown
        too_long = [r for r in reasons if TOO_LONG in r]
        assert len(too_long) == len(consumed.groups), shown
        dead_lettered += len(reasons)
    figures.add(
        poison_records_sent=len(POISON) * len(CONSUMED),
        poison_dead_lettered=dead_lettered,
        consumers_checked=sum(len(c.groups) for c in CONSUMED),
        faults_survived=len(POISON) * len(CONSUMED),
    )


async def _all_committed(bootstrap: str, group: str, topic: str) -> bool:
    """The group committed every record of ``topic`` (read without joining the group)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        partitions = [tp for tp in committed if tp.topic == topic]
        ends = await consumer.end_offsets(partitions)
        return bool(partitions) and all(committed[tp].offset >= ends[tp] for tp in partitions)
    finally:
        await consumer.stop()
        await admin.close()
