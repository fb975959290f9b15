"""``rebub privacy export``: one person's data gathered from every zone (issue 21, article 15),
as JSON and as text, and nobody else's."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pymongo import AsyncMongoClient
from typer.testing import CliRunner

from rebub.cli import app
from rebub.testing.plugin import Namespace

PERSON, OTHER = "UB-0000007", "UB-0000008"


async def _write(uri: str, prefix: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    try:
        for pid, email in ((PERSON, "lea.martin7@u-bordeaux.fr"), (OTHER, "x@u-bordeaux.fr")):
            await client[f"{prefix}network_patron_sync"]["accounts"].insert_one(
                {"_id": pid, "account": {"record": {"last_name": "Martin", "emails": [email]}}}
            )
        await client[f"{prefix}ubm_patron_sync"]["nz_accounts"].insert_one(
            {"_id": PERSON, "entry": {"last_name": "Martin"}}
        )
        await client[f"{prefix}ub_patron_sync"]["patrons"].insert_one(
            {"_id": PERSON, "patron": {"record": {"last_name": "Martin"}}, "outbox": {"e": 1}}
        )
        loans = client[f"{prefix}ub_circulation"]["loans"]
        await loans.insert_many(
            [
                {"_id": "L-1", "patron_id": PERSON, "item_barcode": "UB01"},
                {"_id": "L-2", "patron_id": OTHER, "item_barcode": "UB02"},
            ]
        )
        await client[f"{prefix}ub_notifier"]["letters"].insert_one(
            {"_id": "ub:UB-0000007:recall1", "patron_id": PERSON, "channel": "email"}
        )
    finally:
        await client.close()


def test_the_export_gathers_one_person_from_every_zone(namespace: Namespace) -> None:
    prefix, uri = namespace.database_prefix, namespace.backends.mongo_uri
    asyncio.run(_write(uri, prefix))
    options = ["--mongo-uri", uri, "--prefix", prefix]

    answer = CliRunner().invoke(app, ["privacy", "export", PERSON, "--json", *options])

    assert answer.exit_code == 0, answer.output
    export = json.loads(answer.output)
    zones = export["zones"]
    assert {t: {s: sorted(c) for s, c in v.items()} for t, v in zones.items()} == {
        "network": {"patron-sync": ["accounts"]},
        "ub": {"circulation": ["loans"], "notifier": ["letters"], "patron-sync": ["patrons"]},
        "ubm": {"patron-sync": ["nz_accounts"]},
    }
    assert [loan["_id"] for loan in zones["ub"]["circulation"]["loans"]] == ["L-1"]
    assert "outbox" not in zones["ub"]["patron-sync"]["patrons"][0]
    assert OTHER not in answer.output
    assert "x@u-bordeaux.fr" not in answer.output

    text = CliRunner().invoke(app, ["privacy", "export", PERSON, *options])
    assert text.exit_code == 0, text.output
    assert "- ub / circulation / loans: 1 record(s)" in text.output
    assert "item_barcode=UB01" in text.output
