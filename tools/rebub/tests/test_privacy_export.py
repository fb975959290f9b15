"""``rebub privacy export``: one person's data gathered from every zone and store section (issue
21, article 15), as JSON and as readable text, and nobody else's."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from typer.testing import CliRunner

from rebub.cli import app
from rebub.personal_data import NOT_EXPORTED, PERSONAL_COLLECTIONS
from rebub.testing.plugin import Namespace

PERSON, OTHER = "UB-0000007", "UB-0000008"
EMAIL, OTHER_EMAIL = "lea.martin7@u-bordeaux.fr", "x@u-bordeaux.fr"
TITLE = "Les Misérables, tome 2"
AT = "2026-11-30T10:00:00+00:00"
LOANS = "ub.circulation.loan.v1"


def _record(pid: str, email: str) -> dict[str, Any]:
    return {"primary_id": pid, "last_name": "Martin", "first_name": "Léa", "emails": [email]}


def _audit(audit_id: str, **targets: str) -> dict[str, Any]:
    return {"_id": audit_id, "operator": "ub-desk", "action": "loan-renewed", "targets": targets}


DOCUMENTS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "network_patron_sync": {
        "accounts": [
            {"_id": pid, "account": {"record": _record(pid, email)}}
            for pid, email in ((PERSON, EMAIL), (OTHER, OTHER_EMAIL))
        ]
    },
    "ubm_patron_sync": {"nz_accounts": [{"_id": PERSON, "entry": {"last_name": "Martin"}}]},
    "ub_patron_sync": {
        "patrons": [
            {"_id": PERSON, "patron": {"record": _record(PERSON, EMAIL)}, "outbox": {"e": 1}},
            {"_id": OTHER, "patron": {"record": _record(OTHER, OTHER_EMAIL)}},
        ],
        "audit": [_audit("A-1", account_id=PERSON), _audit("A-2", account_id=OTHER)],
    },
    "ub_circulation": {
        "patrons": [{"_id": PERSON, "barcodes": ["UB-CARD-7"]}],
        "loans": [
            {"_id": "L-1", "patron_id": PERSON, "item_barcode": "UB01", "title": TITLE},
            {"_id": "L-2", "patron_id": OTHER, "item_barcode": "UB02", "title": "Other"},
        ],
        "requests": [{"_id": "R-1", "patron_id": PERSON, "kind": "hold"}],
        "network_activity": [{"_id": "ubm:L-9", "primary_id": PERSON, "institution": "ubm"}],
        "webhook_deliveries": [
            {"_id": "S-1:E-1", "loan_id": "L-1", "body": '{"user_id": "UB-0000007"}'},
            {"_id": "S-1:E-2", "loan_id": "L-2", "body": '{"user_id": "UB-0000008"}'},
        ],
        "audit": [_audit("A-3", loan_id="L-1"), _audit("A-4", loan_id="L-2")],
    },
    "ub_notifier": {
        "patrons": [{"_id": PERSON, "name": "Léa Martin", "email": EMAIL}],
        "loans": [{"_id": "ub:L-1", "patron_id": PERSON, "stage": "due-soon"}],
        "letters": [
            {"_id": "ub:UB-0000007:recall1", "patron_id": PERSON, "channel": "post"},
            {"_id": "ub:UB-0000008:recall1", "patron_id": OTHER, "channel": "post"},
        ],
        "reports": [{"_id": "rep-1", "patron_id": PERSON, "kind": "unreachable", "at": AT}],
        "print_batches": [
            {"_id": "2026-11-30", "letters": ["ub:UB-0000007:recall1", "ub:UB-0000008:recall1"]},
            {"_id": "2026-11-29", "letters": ["ub:UB-0000008:recall1"]},
        ],
    },
}


async def _write(uri: str, prefix: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    try:
        for database, collections in DOCUMENTS.items():
            for collection, docs in collections.items():
                await client[f"{prefix}{database}"][collection].insert_many(docs)
    finally:
        await client.close()


def test_the_export_gathers_one_person_from_every_store_section(
    namespace: Namespace, tmp_path: Path
) -> None:
    prefix, uri = namespace.database_prefix, namespace.backends.mongo_uri
    asyncio.run(_write(uri, prefix))
    (tmp_path / "ub").mkdir()
    (tmp_path / "ub" / "2026-11-30.pdf").write_bytes(b"%PDF-1.4")
    options = ["--mongo-uri", uri, "--prefix", prefix, "--letters-dir", str(tmp_path)]

    answer = CliRunner().invoke(app, ["privacy", "export", PERSON, "--json", *options])

    assert answer.exit_code == 0, answer.output
    export = json.loads(answer.output)
    zones = export["zones"]
    assert {t: {s: sorted(c) for s, c in v.items()} for t, v in zones.items()} == {
        "network": {"patron-sync": ["accounts"]},
        "ub": {
            "circulation": [
                "audit",
                "loans",
                "network_activity",
                "patrons",
                "requests",
                "webhook_deliveries",
            ],
            "notifier": ["letters", "loans", "patrons", "print_batches", "reports"],
            "patron-sync": ["audit", "patrons"],
        },
        "ubm": {"patron-sync": ["nz_accounts"]},
    }
    circulation = zones["ub"]["circulation"]
    assert [d["_id"] for d in circulation["loans"]] == ["L-1"]
    assert [d["_id"] for d in circulation["webhook_deliveries"]] == ["S-1:E-1"]
    assert [d["_id"] for d in circulation["audit"]] == ["A-3"]
    assert [d["_id"] for d in zones["ub"]["patron-sync"]["audit"]] == ["A-1"]
    assert [d["_id"] for d in zones["ub"]["notifier"]["print_batches"]] == ["2026-11-30"]
    assert "outbox" not in zones["ub"]["patron-sync"]["patrons"][0]
    assert export["files"] == [
        {
            "path": str(tmp_path / "ub" / "2026-11-30.pdf"),
            "kind": "printed letters of the day (names, postal addresses)",
            "exists": True,
        }
    ]
    held = {t["topic"]: t["held"] for t in export["topics"]}
    assert re.fullmatch(r"until \d{4}-\d\d-\d\d at the latest \(7 days' retention\)", held[LOANS])
    assert "compacted" in held["ub.patron.v1"]
    assert "30 days' retention" in held["ub.dlq.*"]
    assert "scpo.patron.v1" not in held  # nothing held in scpo
    assert OTHER not in answer.output
    assert OTHER_EMAIL not in answer.output

    text = CliRunner().invoke(app, ["privacy", "export", PERSON, *options])
    assert text.exit_code == 0, text.output
    assert "- ub / circulation / loans: 1 record(s)" in text.output
    for shown in ("Martin", "Léa", EMAIL, TITLE, "2026-11-30.pdf", "ub.dlq.*"):
        assert shown in text.output, shown
    assert OTHER not in text.output


def test_every_personal_collection_is_exported_or_says_why_not() -> None:
    # The test above finds the person in each collection of DOCUMENTS.
    exported = {c for collections in DOCUMENTS.values() for c in collections}
    assert sorted(PERSONAL_COLLECTIONS - exported - set(NOT_EXPORTED)) == []
    assert sorted(set(NOT_EXPORTED) - PERSONAL_COLLECTIONS) == []
