"""``rebub privacy export PRIMARY_ID``: everything the network holds about one person (GDPR
article 15), gathered from every zone's databases into one JSON document, and a readable
rendering of it.

The person is named by their network primary id; in an institution zone their accounts are that
id and a waiting account ``ATT-<id>``. What is read, per service (docs/privacy.md, the register):
the network zone's account; each institution's copy, projection entry and the audit entries about
the account; circulation's patron snapshot, loans, requests, network activity, webhook
deliveries of their loans and the audit entries about them; the notifier's contact, loans in the
letter chain, letters, reports and the day's print batches holding their letters. Files: the
printed letters' PDFs, listed by path. Topics and dead letters are not read (a record cannot be
found by person without reading each topic whole): the export says on which topics records
naming the person may be held, and until when at the latest.
An operator runs it with the store's credentials, on a data protection officer's request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from rebub.parked import services_of
from rebub.personal_data import personal_topics
from rebub_shared.mongo import database_name
from rebub_shared.settings import MongoSettings
from rebub_shared.tenancy import NETWORK, institution_codes
from rebub_shared.topic_table import DEAD_LETTER_DAYS
from rebub_shared.topics import Topics

WAITING_PREFIX = "ATT-"
#: Internal fields left out of the export (they say nothing about the person).
INTERNAL = ("outbox", "outbox_pending", "name_keys", "merged_from")

Db = AsyncDatabase[dict[str, Any]]
Held = dict[str, list[dict[str, Any]]]


async def _find(db: Db, held: Held, collection: str, query: dict[str, Any]) -> list[Any]:
    """Read ``collection`` for the person into ``held``; the ids of what was found."""
    found = [_clean(d) async for d in db[collection].find(query)]
    if found:
        held[collection] = found
    return [d["_id"] for d in found]


def _audit(ids: list[str], loan_ids: list[Any]) -> dict[str, Any]:
    """Audit entries acting on the person's accounts or loans (``targets``)."""
    return {
        "$or": [
            {"targets.account_id": {"$in": ids}},
            {"targets.patron_id": {"$in": ids}},
            {"targets.loan_id": {"$in": loan_ids}},
        ]
    }


async def _network(db: Db, ids: list[str]) -> Held:
    held: Held = {}
    await _find(db, held, "accounts", {"_id": ids[0]})
    return held


async def _patron_sync(db: Db, ids: list[str]) -> Held:
    held: Held = {}
    await _find(db, held, "patrons", {"_id": {"$in": ids}})
    await _find(db, held, "nz_accounts", {"_id": ids[0]})
    await _find(db, held, "audit", _audit(ids, []))
    return held


async def _circulation(db: Db, ids: list[str]) -> Held:
    held: Held = {}
    by_patron = {"patron_id": {"$in": ids}}
    await _find(db, held, "patrons", {"_id": {"$in": ids}})
    loan_ids = await _find(db, held, "loans", by_patron)
    await _find(db, held, "requests", by_patron)
    await _find(db, held, "network_activity", {"primary_id": ids[0]})
    await _find(db, held, "webhook_deliveries", {"loan_id": {"$in": loan_ids}})
    await _find(db, held, "audit", _audit(ids, loan_ids))
    return held


async def _notifier(db: Db, ids: list[str]) -> Held:
    held: Held = {}
    by_patron = {"patron_id": {"$in": ids}}
    await _find(db, held, "patrons", {"_id": {"$in": ids}})
    await _find(db, held, "loans", by_patron)
    letter_ids = await _find(db, held, "letters", by_patron)
    await _find(db, held, "reports", by_patron)
    await _find(db, held, "print_batches", {"letters": {"$in": letter_ids}})
    for batch in held.get("print_batches", []):  # a batch holds other people's letters too
        batch["letters"] = [i for i in batch["letters"] if i in letter_ids]
    return held


_READERS: dict[str, Callable[[Db, list[str]], Awaitable[Held]]] = {
    "patron-sync": _patron_sync,
    "circulation": _circulation,
    "notifier": _notifier,
}


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in INTERNAL}


async def gather_person(
    mongo_uri: str,
    primary_id: str,
    now: datetime,
    *,
    database_prefix: str = "",
    letters_dir: Path = Path(".rebub/letters"),
) -> dict[str, Any]:
    """The export document: ``{"primary_id", "generated_at", "zones": {tenant: {service:
    {collection: [documents]}}}, "files": [...], "topics": [...]}``, zones only where something
    was found; ``letters_dir`` is the notifier's (``REBUB_NOTIFIER__LETTERS_DIR``)."""
    settings = MongoSettings(uri=mongo_uri, database_prefix=database_prefix)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_uri, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    ids = [primary_id, WAITING_PREFIX + primary_id]
    zones: dict[str, Any] = {}
    try:
        for tenant in (NETWORK, *institution_codes()):
            for service in services_of(tenant):
                db = client[database_name(settings, tenant, service)]
                read = _network if tenant == NETWORK else _READERS[service]
                held = await read(db, ids)
                if held:
                    zones.setdefault(tenant, {})[service] = held
    finally:
        await client.close()
    return {
        "primary_id": primary_id,
        "generated_at": now.isoformat(),
        "zones": zones,
        "files": printed_letters(zones, letters_dir),
        "topics": topics_holding(zones, now),
    }


def printed_letters(zones: dict[str, Any], letters_dir: Path) -> list[dict[str, Any]]:
    """The PDF of each day's printed batch holding a letter of the person, by path (the
    notifier's ``<letters_dir>/<inst>/<day>.pdf``); whether the file is still there."""
    files = []
    for tenant, services in zones.items():
        for batch in services.get("notifier", {}).get("print_batches", []):
            path = letters_dir / tenant / f"{batch['_id']}.pdf"
            kind = "printed letters of the day (names, postal addresses)"
            files.append({"path": str(path), "kind": kind, "exists": path.exists()})
    return files


def topics_holding(zones: dict[str, Any], now: datetime) -> list[dict[str, str]]:
    """Where records naming the person may be held on the topics, and until when at the latest
    (the topics are not read: a topic is read whole, never by person): the network's topics and
    the own topics of each institution holding something, then each such tenant's dead letters
    (``{tenant}.dlq.*``: copies of the records its consumers refused)."""
    topics, where = Topics(), [t for t in (NETWORK, *institution_codes()) if t in {NETWORK, *zones}]
    held = [
        _held_on(spec.name, spec.retention_days, now)
        for spec in personal_topics()
        if (spec.owner or NETWORK) in where
    ]
    held += [_held_on(topics.dead_letter("*", t), DEAD_LETTER_DAYS, now) for t in where]
    return held


def _held_on(name: str, retention_days: int | None, now: datetime) -> dict[str, str]:
    if retention_days is None:
        until = (
            "compacted: each key's latest record is kept while the account or loan exists; "
            "after its tombstone the earlier records leave within a day"
        )
    else:
        last = (now + timedelta(days=retention_days)).date().isoformat()
        until = f"until {last} at the latest ({retention_days} days' retention)"
    return {"topic": name, "held": until}


def render(export: dict[str, Any]) -> str:
    """The export as text a person can read: where, what kind of record, each record whole
    (nested fields indented under their name)."""
    lines = [f"Data held about {export['primary_id']} (generated {export['generated_at']})"]
    if not export["zones"]:
        lines.append("nothing is held in the databases")
    for tenant, services in export["zones"].items():
        for service, collections in services.items():
            for collection, docs in collections.items():
                lines.append(f"- {tenant} / {service} / {collection}: {len(docs)} record(s)")
                for number, doc in enumerate(docs, 1):
                    lines.append(f"    record {number}:")
                    lines += _lines(doc, "      ")
    lines.append("Files:" if export["files"] else "Files: none")
    for file in export["files"]:
        there = "" if file["exists"] else " (no longer on disk)"
        lines.append(f"- {file['path']}: {file['kind']}{there}")
    lines.append("Topics (not read; records naming the person may be held there):")
    lines += [f"- {t['topic']}: {t['held']}" for t in export["topics"]]
    return "\n".join(lines)


def _lines(value: Any, indent: str) -> list[str]:
    """A document's fields one a line, nested documents and lists indented below their key."""
    lines = []
    items = value.items() if isinstance(value, dict) else enumerate(value, 1)
    for key, inner in items:
        label = f"{key}:" if isinstance(value, dict) else f"{key}."
        if isinstance(inner, dict | list) and inner and not _flat(inner):
            lines.append(f"{indent}{label}")
            lines += _lines(inner, indent + "  ")
        else:
            lines.append(f"{indent}{label} {_scalar(inner)}")
    return lines


def _flat(value: dict[str, Any] | list[Any]) -> bool:
    """A list of plain values, shown on one line."""
    return isinstance(value, list) and not any(isinstance(v, dict | list) for v in value)


def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return "(none)"
    if isinstance(value, datetime):
        return value.isoformat()
    return "(none)" if value is None else str(value)
