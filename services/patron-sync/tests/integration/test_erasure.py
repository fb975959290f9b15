"""Erasure in patron-sync on the real broker and store (issue 21): a privacy officer of ub erases
one of ub's people; the network account goes, a tombstone naming the request is published, and
both institution zones remove their entry and ub its linked copy with its local card. Then no
database of the three holds the person's email, phone or barcodes, and the run's logs carry no
name, email, address or phone. Tokens come from a test
issuer (the shared Keycloak may predate the ``{inst}-privacy`` users)."""

import asyncio
import csv
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from patron_sync.entrypoints.http import create_app
from rebub.demo.feeds import write_csv_feed
from rebub.testing.issuer import TestIssuer
from rebub.testing.log_scan import CapturedLogs
from rebub.testing.plugin import Namespace
from rebub.testing.tokens import bearer
from rebub_shared.clock import MovableClock
from rebub_shared.compacted import latest_record
from rebub_shared.contracts.patrons import ERASURE_HEADER

from .conftest import EXTERNAL_READER, NOW, eventually, settings_for

pytestmark = pytest.mark.integration
PID = "UB-0000007"


@asynccontextmanager
async def _running(
    namespace: Namespace, issuer: TestIssuer, *tenants: str
) -> AsyncIterator[dict[str, tuple[httpx.AsyncClient, Any]]]:
    clock = MovableClock(NOW)
    async with AsyncExitStack() as stack:

        async def start(tenant: str) -> tuple[httpx.AsyncClient, Any]:
            app = create_app(settings_for(namespace, tenant, issuer.issuer), clock)
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{tenant}"
            )
            await stack.enter_async_context(client)
            return client, app.state.service

        started = await asyncio.gather(*(start(t) for t in tenants))
        yield dict(zip(tenants, started, strict=True))


async def _everything(service: Any) -> str:
    """Every document of the instance's database, as text."""
    db, held = service.runtime.db, []
    for name in await db.list_collection_names():
        held += [repr(doc) async for doc in db[name].find({})]
    return "\n".join(held)


async def test_an_erasure_removes_the_person_from_the_network_and_every_zone(
    namespace: Namespace, tmp_path: Path, run_logs: CapturedLogs
) -> None:
    feed = write_csv_feed(tmp_path / "ub.csv", 20, "ub", seed=11)
    with feed.path.open(encoding="utf-8") as rows:
        person = next(r for r in csv.DictReader(rows, delimiter=";") if r["primary_id"] == PID)
    with TestIssuer().serving() as issuer:
        async with _running(namespace, issuer, "network", "ub", "ubm") as up:
            (network, net_service), (ub, ub_service), (_, ubm_service) = (
                up["network"],
                up["ub"],
                up["ubm"],
            )
            loader = bearer(issuer.token("ub-feed", "ub", ["feed-loader"]))
            files = {"file": ("ub.csv", feed.path.read_bytes(), "text/csv")}
            imported = await network.post(
                "/imports", params={"source": "ub"}, files=files, headers=loader
            )
            assert imported.status_code == 200, imported.text

            async def projected() -> bool:
                counts = [
                    await s.runtime.db["nz_accounts"].count_documents({})
                    for s in (ub_service, ubm_service)
                ]
                return counts == [20, 20]

            await eventually(projected)
            manager = bearer(issuer.token("ub-manager", "ub", ["desk-operator", "patron-manager"]))
            assert (await ub.get(f"/patrons/{PID}", headers=manager)).status_code == 200
            card = await ub.post(
                f"/patrons/{PID}/identifiers", json={"value": "UB-CARD-77"}, headers=manager
            )
            assert card.status_code == 201, card.text

            body = {"primary_id": PID}
            desk = bearer(issuer.token("ub-desk", "ub", ["desk-operator"]))
            assert (await network.post("/erasures", json=body, headers=desk)).status_code == 403
            other = bearer(issuer.token("ubm-privacy", "ubm", ["privacy-officer"]))
            assert (await network.post("/erasures", json=body, headers=other)).status_code == 404
            officer = bearer(issuer.token("ub-privacy", "ub", ["privacy-officer"]))
            erased = await network.post("/erasures", json=body, headers=officer)
            assert erased.status_code == 201, erased.text
            assert erased.json()["primary_id"] == PID

            async def gone_everywhere() -> bool:
                left = [
                    await s.runtime.db[c].find_one({"_id": PID})
                    for s, c in (
                        (ub_service, "nz_accounts"),
                        (ubm_service, "nz_accounts"),
                        (ub_service, "patrons"),
                    )
                ]
                return left == [None, None, None]

            await eventually(gone_everywhere)
            # ub's circulation and notifier are told: a tombstone with the erasure header.
            kafka, topics = ub_service.settings.kafka, ub_service.runtime.topics
            told = await latest_record(kafka, topics, topics.patron("ub"), PID)
            assert told is not None
            assert told.value is None
            request_id = erased.json()["request_id"]
            assert told.headers[ERASURE_HEADER] == request_id.encode()
            # Each institution zone confirms; the request's status says what is done where.
            status_url = f"/erasures/{request_id}"

            async def both_zones_confirmed() -> bool:
                zones = (await network.get(status_url, headers=officer)).json()["institutions"]
                return all(zones[z]["patron-sync"]["state"] == "done" for z in ("ub", "ubm"))

            await eventually(both_zones_confirmed)
            status = (await network.get(status_url, headers=officer)).json()
            zones = status["institutions"]
            assert (
                zones["ub"]["patron-sync"]["accounts"],
                zones["ubm"]["patron-sync"]["accounts"],
            ) == (1, 0)
            # ub's circulation and notifier are not running here: pending; ubm held no copy.
            assert [zones["ub"][s]["state"] for s in ("circulation", "notifier")] == ["pending"] * 2
            assert [zones["ubm"][s]["state"] for s in ("circulation", "notifier")] == [
                "nothing held"
            ] * 2
            assert zones["scpo"]["patron-sync"]["state"] == "pending"
            assert status["complete"] is False
            assert (await network.get(status_url, headers=other)).status_code == 404
            traces = (person["email"], person["barcode"], person["phone"], "UB-CARD-77", PID)
            for service in (net_service, ub_service, ubm_service):
                held = await _everything(service)
                assert [t for t in traces if t in held] == []
            found = await ub.get("/patrons", params={"name": person["last_name"]}, headers=manager)
            assert PID not in found.text
    # The three instances' logs of the whole run (import, link, card, erasure, search) name
    # nobody; the test's own HTTP client's lines neither (their query string is hidden).
    logs = run_logs.text()
    assert len(run_logs.records) > 10  # the instances' log lines are here
    assert "/patrons?(query hidden)" in logs  # the search's line, without its search term
    contact = (person["email"], person["phone"], person["address_line1"], person["last_name"])
    assert [t for t in contact if t in logs] == []


READER = EXTERNAL_READER | {"identifiers": [{"value": "EXT-CARD-71"}]}


async def test_an_external_reader_is_erased_by_its_creating_zone_in_every_zone(
    namespace: Namespace,
) -> None:
    """Issue 21: scpo created the reader, ub holds a copy (with a card of its own); scpo's
    privacy officer erases it: a tombstone naming the request on net.external-reader.v1, both
    zones remove their copy and confirm, scpo answers the request's status."""
    with TestIssuer().serving() as issuer:
        async with _running(namespace, issuer, "scpo", "ub") as up:
            (scpo, scpo_service), (ub, ub_service) = up["scpo"], up["ub"]
            manager = bearer(issuer.token("scpo-manager", "scpo", ["patron-manager"]))
            created = await scpo.post("/external-readers", json=READER, headers=manager)
            assert created.status_code == 201, created.text
            reader_id = created.json()["account_id"]
            ub_manager = bearer(issuer.token("ub-manager", "ub", ["patron-manager"]))

            async def copied() -> bool:
                found = await ub.get(f"/patrons/{reader_id}", headers=ub_manager)
                return found.status_code == 200

            await eventually(copied)
            card = {"value": "UB-EXT-CARD-3"}
            added = await ub.post(
                f"/patrons/{reader_id}/identifiers", json=card, headers=ub_manager
            )
            assert added.status_code == 201, added.text

            url = f"/external-readers/{reader_id}/erasure"
            officer = bearer(issuer.token("scpo-privacy", "scpo", ["privacy-officer"]))
            assert (await scpo.post(url, headers=manager)).status_code == 403
            ub_officer = bearer(issuer.token("ub-privacy", "ub", ["privacy-officer"]))
            assert (await ub.post(url, headers=ub_officer)).status_code == 404  # not ub's reader
            unknown = await scpo.post("/external-readers/EXT-SCPO-999999/erasure", headers=officer)
            assert unknown.status_code == 404, unknown.text
            erased = await scpo.post(url, headers=officer)
            assert erased.status_code == 201, erased.text
            request_id = erased.json()["request_id"]

            async def gone_in_both() -> bool:
                held = [
                    await s.runtime.db["patrons"].find_one({"_id": reader_id})
                    for s in (scpo_service, ub_service)
                ]
                return held == [None, None]

            await eventually(gone_in_both)
            kafka, topics = scpo_service.settings.kafka, scpo_service.runtime.topics
            tombstone = await latest_record(kafka, topics, topics.external_reader, reader_id)
            assert tombstone is not None
            assert tombstone.value is None
            assert tombstone.headers[ERASURE_HEADER] == request_id.encode()
            told = await latest_record(kafka, topics, topics.patron("ub"), reader_id)
            assert told is not None  # ub's circulation and notifier are told
            assert told.value is None

            status_url = f"/erasures/{request_id}"

            async def both_confirmed() -> bool:
                answer = await scpo.get(status_url, headers=officer)
                zones = answer.json()["institutions"]
                return all(zones[z]["patron-sync"]["state"] == "done" for z in ("scpo", "ub"))

            await eventually(both_confirmed)
            status = (await scpo.get(status_url, headers=officer)).json()
            zones = status["institutions"]
            assert [zones[z]["patron-sync"]["accounts"] for z in ("scpo", "ub")] == [1, 1]
            assert zones["inp"]["patron-sync"]["state"] == "pending"  # inp is not running here
            assert (status["source"], status["complete"]) == ("scpo", False)
            assert status["network"].startswith("nothing held")
            assert (await ub.get(status_url, headers=ub_officer)).status_code == 404
            traces = ("zoe.garnier@example.org", "EXT-CARD-71", "UB-EXT-CARD-3", "Garnier")
            for service in (scpo_service, ub_service):
                held = await _everything(service)
                assert [t for t in traces if t in held] == []
