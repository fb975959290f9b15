"""Erasure end to end (issue 21's acceptance test): a network patron of ub with loans, letters,
a hold request and two dead letters about them, and an external reader scpo created whose copy in
ub has a loan and a printed letter, are both erased; then every database of the run, every topic
(read from the beginning) and the letter folder are searched for their names, emails, barcodes,
patron ids and primary id.

The network zone's patron-sync, ub's and scpo's patron-sync, ub's circulation and notifier run in
this process on the real broker and store. The run's databases are named by the rule the store
users come from (listing the shared server's databases takes minutes). Before the erasures the
same search finds every trace (the search can fail); after them, exactly what docs/privacy.md
says remains:

- no database holds any of it (ids included: loans, requests and audit records anonymised);
- the letter folder: the reader's printed batch is removed (its letter was the batch's last);
- topics: the records written before the erasure stay on ``nz.patron.v1``,
  ``net.external-reader.v1``, ``ub.patron.v1`` and ``scpo.patron.v1``, all four compacted: each
  key's last record is the erasure's tombstone, so compaction removes them within a day
  (``max.compaction.lag.ms``; the test does not wait for the log cleaner). So do the dead letters
  about the patron (``ub.dlq.ub.patron.v1``, compacted: each ends in a tombstone; another
  person's is intact). The ids alone (no name, email or barcode) stay on the loan, request and
  letter events (7 days) and the network activity (30 days), and on the loan states (compacted:
  each open loan's last state names nobody);
- the ``.eml`` folder of the development SMTP sink keeps the email it received (it is the
  person's mailbox's stand-in, not the notifier's: docs/privacy.md); the test asserts it is the
  only file left with the patron's traces.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import unicodedata
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from circulation.service_layer.commands import ItemRecord, LoadItems
from patron_sync.entrypoints.http import create_app as patron_sync_app
from patron_sync.service_layer.commands import ImportFeed
from patron_sync.settings import PatronSyncSettings
from rebub.demo.feeds import write_csv_feed
from rebub.deploy.acl import databases as tenant_databases
from rebub.mailbox import LocalMailbox
from rebub.testing.institution_apps import circulation_and_notifier
from rebub.testing.issuer import TestIssuer
from rebub.testing.log_scan import CapturedLogs
from rebub.testing.plugin import Namespace
from rebub.testing.serving import in_process
from rebub.testing.tokens import bearer
from rebub.testing.waiting import eventually
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.compacted import latest_record
from rebub_shared.contracts.patrons import ERASURE_HEADER, PatronChanged
from rebub_shared.tenancy import tenant_codes

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
STAFF = ["desk-operator", "patron-manager", "circulation-manager"]
READER_NAME = "Quenouillère"
READER: dict[str, Any] = {
    "last_name": READER_NAME,
    "first_name": "Blanche",
    "user_group": "LECTEUR_EXTERIEUR",
    "expiry_date": "2027-09-30",
    "addresses": [
        {"line1": "7 impasse des Tisserands", "postal_code": "33800", "city": "Bordeaux"}
    ],
    "identifiers": [{"value": "EXT-CARD-4471"}],
}
#: Where records written before an erasure stay, and why (docs/privacy.md, Erasure).
COMPACTED = ("nz.patron.v1", "net.external-reader.v1", "ub.patron.v1", "scpo.patron.v1")
#: Topics whose records name people by their ids only (no name, email, barcode), kept their days
#: (7, 30 for the network activity) and not purged record by record; the loan states are
#: compacted, each open loan's last record naming nobody after the erasure.
IDS_ONLY = (
    "ub.circulation.loan.v1",
    "ub.circulation.loan-state.v1",
    "net.loan-activity.v1",
    "ub.notifier.letter.v1",
)


def folded(text: str) -> str:
    """Lower case without accents: a normalised name key ("lemaitre") is found too."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


async def databases(namespace: Namespace) -> dict[str, str]:
    """Every document of every database of the run, as folded text, by database. The names come
    from the rule the store users are generated from (``rebub.deploy.acl.databases``): listing
    the shared server's databases takes minutes, one per test ever run."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(namespace.backends.mongo_uri)
    held: dict[str, str] = {}
    try:
        for name in (n for tenant in tenant_codes() for n in tenant_databases(tenant)):
            db, docs = client[namespace.database_prefix + name], []
            for collection in await db.list_collection_names():
                docs += [repr(d) async for d in db[collection].find({})]
            held[name] = folded("\n".join(docs))
    finally:
        await client.close()
    return held


async def topics(namespace: Namespace) -> dict[str, str]:
    """Every record of every topic of the run (keys, values, headers), as folded text."""
    bootstrap, prefix = namespace.backends.kafka_bootstrap, namespace.topic_prefix
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(prefix)]
    finally:
        await admin.close()
    held: dict[str, list[str]] = {n.removeprefix(prefix): [] for n in names}
    consumer = AIOKafkaConsumer(
        *names, bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:  # until the broker has had nothing more for 1.5 s
        while batch := await consumer.getmany(timeout_ms=1500):
            for tp, records in batch.items():
                held[tp.topic.removeprefix(prefix)] += [readable(r) for r in records]
    finally:
        await consumer.stop()
    return {name: folded("\n".join(texts)) for name, texts in held.items()}


def readable(record: Any) -> str:
    """A record's key, headers and value as text (JSON unescaped: "Lefèvre", not "Lef\\u00e8vre")."""
    parts = [(record.key or b"").decode("utf-8", "replace")]
    parts += [f"{k}={v.decode('utf-8', 'replace')}" for k, v in record.headers or ()]
    value = (record.value or b"").decode("utf-8", "replace")
    with contextlib.suppress(ValueError):  # not JSON: as it is
        value = json.dumps(json.loads(value), ensure_ascii=False)
    return " ".join([*parts, value])


class DeadLetters:
    """Poison records about people on ub.patron.v1 (their name and email in an invalid patron
    snapshot, keyed by their id), each dead-lettered by ub's circulation and notifier."""

    def __init__(self, namespace: Namespace, offsets: list[int]) -> None:
        self.namespace, self.offsets = namespace, offsets

    async def __call__(self) -> bool:
        return len(await dead_letter_keys(self.namespace)) == 2 * len(self.offsets)


async def dead_letters(
    namespace: Namespace, people: tuple[tuple[str, dict[str, str]], ...]
) -> DeadLetters:
    producer = AIOKafkaProducer(bootstrap_servers=namespace.backends.kafka_bootstrap)
    await producer.start()
    offsets = []
    try:
        for patron_id, row in people:
            value = {"patron": {"account_id": patron_id, "last_name": row["last_name"]}}
            value["patron"]["email"] = row["email"]  # no version: an invalid snapshot
            headers = {"ce_tenant": "ub", "ce_source": "/rebub/ub/patron-sync"}
            headers |= {"ce_type": PatronChanged.event_type, "ce_id": f"poison-{patron_id}"}
            sent = await producer.send_and_wait(
                namespace.topics.patron("ub"),
                json.dumps(value).encode(),
                key=patron_id.encode(),
                partition=0,
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
            offsets.append(sent.offset)
    finally:
        await producer.stop()
    return DeadLetters(namespace, offsets)


async def dead_letter_keys(namespace: Namespace) -> dict[str, bytes | None]:
    """The last value of each key of ub.dlq.patron.v1."""
    topic = namespace.topics.dead_letter(namespace.topics.patron("ub"), "ub")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=namespace.backends.kafka_bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        consumer.seek(tp, 0)
        last: dict[str, bytes | None] = {}
        while await consumer.position(tp) < end:
            for r in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
                last[r.key.decode()] = r.value
        return last
    finally:
        await consumer.stop()


def files(*folders: Path) -> dict[str, str]:
    """Every file under the folders, as folded text (a PDF's bytes too, as far as readable)."""
    return {
        str(path): folded(path.read_bytes().decode("utf-8", "replace"))
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def holding(places: dict[str, str], traces: tuple[str, ...]) -> dict[str, list[str]]:
    """Which of ``traces`` each place holds (places holding none left out)."""
    found = {p: [t for t in traces if folded(t) in text] for p, text in places.items()}
    return {p: t for p, t in found.items() if t}


def assert_the_logs_name_nobody(logs: CapturedLogs, traces: tuple[str, ...]) -> None:
    """No log line of the run (the five instances, before and after the erasures) holds a name,
    an email, a barcode or an address of the people (issue 21, item 5). Left out: the
    development SMTP sink's own lines (``mail.log``, aiosmtpd's: the person's mailbox's
    stand-in, not a service)."""
    text = logs.text(leaving_out=("mail.log",))
    assert len(logs.records) > 50  # the instances' lines are here
    assert holding({"logs": text}, traces) == {}


async def test_an_erased_patron_and_external_reader_leave_only_what_the_register_says(
    namespace: Namespace, tmp_path: Path, run_logs: CapturedLogs
) -> None:
    feed = write_csv_feed(tmp_path / "ub.csv", 6, "ub", seed=21)
    with feed.path.open(encoding="utf-8") as rows:
        people = list(csv.DictReader(rows, delimiter=";"))
    # A person whose name no other row of the feed contains: a trace found is theirs.
    person = next(
        p
        for p in people
        if not any(folded(p["last_name"]) in folded(repr(o)) for o in people if o is not p)
    )
    pid = person["primary_id"]
    patron_traces = (person["last_name"], person["email"], person["barcode"])
    reader_traces = (READER_NAME, "EXT-CARD-4471", "impasse des Tisserands")
    letters, mail = tmp_path / "letters", tmp_path / "mailbox"

    with TestIssuer().serving() as issuer, LocalMailbox(mail) as mailbox:
        common: dict[str, Any] = {
            "environment": "test",
            "kafka": namespace.kafka(),
            "mongo": namespace.mongo(),
            "fast_consumers": True,
            "auth": AuthSettings(issuer=issuer.issuer),
        }
        apps = {
            "network": patron_sync_app(PatronSyncSettings(tenant="network", **common)),
            "ub": patron_sync_app(PatronSyncSettings(tenant="ub", **common)),
            "scpo": patron_sync_app(PatronSyncSettings(tenant="scpo", **common)),
            **circulation_and_notifier("ub", common, mailbox.port, letters, THU_1_OCT),
        }
        ub_staff = bearer(issuer.token("ub-staff", "ub", STAFF))
        async with AsyncExitStack() as stack:
            up = dict(
                zip(
                    apps,
                    await asyncio.gather(
                        *(stack.enter_async_context(in_process(a)) for a in apps.values())
                    ),
                    strict=True,
                )
            )
            await apps["network"].state.service.import_feed(ImportFeed(feed.path, "ub"))
            reader = await up["scpo"].post(
                "/external-readers",
                json=READER,
                headers=bearer(issuer.token("scpo-staff", "scpo", STAFF)),
            )
            assert reader.status_code == 201, reader.text
            reader_id = reader.json()["account_id"]

            async def linked_here() -> bool:  # P opened at ub's desk: linked; the reader copied
                answers = [
                    await up["ub"].get(f"/patrons/{i}", headers=ub_staff) for i in (pid, reader_id)
                ]
                return [a.status_code for a in answers] == [200, 200]

            await eventually(linked_here, "ub holds the patron and the reader's copy")
            items = [
                ItemRecord(
                    barcode=f"UB00099{n}", title=f"Titre {n}", library="BUST", location="BUST-LA"
                )
                for n in range(4)
            ]
            await apps["circulation"].state.bus.handle(
                LoadItems(institution="ub", items=tuple(items))
            )
            loans: list[str] = []
            for patron_id, item in ((pid, items[0]), (pid, items[1]), (reader_id, items[2])):
                checkout = {"patron": patron_id, "item_barcode": item.barcode}

                async def lent(checkout: dict[str, str] = checkout) -> bool:
                    answer = await up["circulation"].post(
                        "/loans", json=checkout, headers=ub_staff | {"X-Desk": "BUST-PRET"}
                    )
                    if answer.status_code == 201:
                        loans.append(answer.json()["loan"]["loan_id"])
                    return answer.status_code == 201

                await eventually(lent, f"circulation lends to {patron_id}")
            for loan_id in (loans[0], loans[2]):  # an email to P, a printed letter to the reader

                async def receipt(loan_id: str = loan_id) -> bool:
                    url = f"/loans/{loan_id}/receipt"
                    return (await up["notifier"].post(url, headers=ub_staff)).status_code == 201

                await eventually(receipt, "the notifier knows the loan and its patron")

            hold = {"kind": "hold", "patron": pid, "item_barcode": items[3].barcode}
            placed = await up["circulation"].post(
                "/requests", json=hold, headers=ub_staff | {"X-Desk": "BUST-PRET"}
            )
            assert placed.status_code == 201, placed.text
            # A record about P that ub's circulation and notifier cannot process (two dead
            # letters on ub.dlq.patron.v1), and one about someone else (kept after the erasure).
            other = next(p for p in people if p is not person)
            dead = await dead_letters(namespace, ((pid, person), (other["primary_id"], other)))
            await eventually(dead, "ub's circulation and notifier dead-letter both records")

            # Before: the search finds every trace (it can fail).
            traces = patron_traces + reader_traces + (pid, reader_id)
            before_db = await databases(namespace)
            before_topics = await topics(namespace)
            assert {t for ts in holding(before_db, traces).values() for t in ts} == set(traces)
            assert set(holding(before_topics, traces)) >= set(COMPACTED)
            assert list(letters.rglob("*.pdf")), "the reader's receipt is printed"
            assert holding(files(mail), patron_traces)

            officer = bearer(issuer.token("ub-privacy", "ub", ["privacy-officer"]))
            erased = await up["network"].post(
                "/erasures", json={"primary_id": pid}, headers=officer
            )
            assert erased.status_code == 201, erased.text
            scpo_officer = bearer(issuer.token("scpo-privacy", "scpo", ["privacy-officer"]))
            reader_erased = await up["scpo"].post(
                f"/external-readers/{reader_id}/erasure", headers=scpo_officer
            )
            assert reader_erased.status_code == 201, reader_erased.text

            async def confirmed(client: str, request_id: str, token: dict[str, str]) -> bool:
                status = await up[client].get(f"/erasures/{request_id}", headers=token)
                ub = status.json()["institutions"]["ub"]
                return all(
                    ub[s]["state"] == "done" for s in ("patron-sync", "circulation", "notifier")
                )

            patron_request = erased.json()["request_id"]
            reader_request = reader_erased.json()["request_id"]
            await eventually(
                lambda: confirmed("network", patron_request, officer), "ub confirms P's erasure"
            )
            await eventually(
                lambda: confirmed("scpo", reader_request, scpo_officer),
                "ub confirms the reader's erasure",
            )

            # After: nothing in any database, the printed batch gone, the topics as documented.
            assert holding(await databases(namespace), traces) == {}
            assert files(letters) == {}
            left = holding(await topics(namespace), traces)
            reader_ids = [*reader_traces, reader_id]
            assert (
                left
                == {
                    "nz.patron.v1": [*patron_traces, pid],
                    "net.external-reader.v1": reader_ids,
                    "ub.patron.v1": list(traces),  # the linked patron's and the reader copy's
                    "scpo.patron.v1": reader_ids,
                    "ub.dlq.ub.patron.v1": [
                        *patron_traces[:2],
                        pid,
                    ],  # the poison record: name, email
                    **{name: [pid, reader_id] for name in IDS_ONLY},
                    "ub.circulation.request.v1": [pid],
                }
            )
            settings = apps["ub"].state.service.settings
            named = namespace.topics
            tombstoned = (
                (named.nz_patron, pid),
                (named.external_reader, reader_id),
                (named.patron("ub"), pid),
                (named.patron("ub"), reader_id),
                (named.patron("scpo"), reader_id),
            )
            for topic, key in tombstoned:
                last = await latest_record(settings.kafka, named, topic, key)
                assert last is not None
                assert (last.value, ERASURE_HEADER in last.headers) == (None, True), topic
            # Each of P's dead letters ends in the erasure's tombstone; the other's is intact.
            letters_left = await dead_letter_keys(namespace)
            assert {k: v is None for k, v in letters_left.items()} == {
                f"dlq/{service}/{named.patron('ub')}/0/{offset}": offset == dead.offsets[0]
                for service in ("circulation", "notifier")
                for offset in dead.offsets
            }
            # The open loans' states name nobody now (their earlier records: compacted away).
            for loan_id in (loans[1], loans[2]):
                state = await latest_record(settings.kafka, named, named.loan_state("ub"), loan_id)
                assert state is not None
                assert state.value is not None
                assert json.loads(state.value)["loan"]["patron_id"] == "anonymised"
            assert list(holding(files(mail), traces)) == sorted(str(p) for p in mail.rglob("*.eml"))
    assert_the_logs_name_nobody(run_logs, traces)
