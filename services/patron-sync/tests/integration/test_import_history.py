"""The import history on the real store: kept across a restart, read per institution over HTTP,
the feed metrics and the missing-feed alarm read from it; the drop-folder pickup imports each
waiting file once (issue 17, item 4)."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from patron_sync.domain.absence import ImportMode
from patron_sync.entrypoints.feed_watch import FeedWatch
from patron_sync.entrypoints.pickup import pick_up
from rebub.demo.feeds import write_csv_feed
from rebub.identity import DevTokens
from rebub.testing.plugin import Namespace
from rebub.testing.tokens import bearer
from rebub_shared.clock import MovableClock

from .conftest import NOW, instance


async def test_the_history_survives_a_restart_and_each_institution_reads_only_its_own(
    namespace: Namespace,
    clock: MovableClock,
    oidc_issuer: str,
    dev_tokens: DevTokens,
    tmp_path: Path,
) -> None:
    feed = write_csv_feed(tmp_path / "spool.csv", 12, "ub", seed=5, bad_records=2)
    files = {"file": ("ub-2026-10-05.csv", feed.path.read_bytes(), "text/csv")}
    async with instance(namespace, "network", clock, oidc_issuer, dev_tokens) as (client, _):
        answer = await client.post("/imports", params={"source": "ub"}, files=files)
        assert answer.status_code == 200, answer.text

    ub = bearer(dev_tokens.user("ub-feed-admin"))
    bsa = bearer(dev_tokens.user("bsa-feed-admin"))
    async with instance(namespace, "network", clock, oidc_issuer, dev_tokens) as (client, service):
        [listed] = (await client.get("/imports", headers=ub)).json()
        one = await client.get(f"/imports/{listed['id']}", headers=ub)
        others = await client.get("/imports", headers=bsa)
        hidden = await client.get(f"/imports/{listed['id']}", headers=bsa)
        desk = await client.get("/imports", headers=bearer(dev_tokens.user("ub-desk")))
        observer = bearer(dev_tokens.user("network-observer"))
        overview = await client.get("/import-overview", headers=observer)
        not_the_history = await client.get(f"/imports/{listed['id']}", headers=observer)
        ub_overview = await client.get("/import-overview", headers=ub)

        entry = one.json()
        assert (entry["source"], entry["file_name"], entry["outcome"]) == (
            "ub",
            "ub-2026-10-05.csv",
            "applied",
        )
        assert entry["uploaded_by"] not in ("", "unknown")  # the token's subject
        assert entry["size"] == feed.path.stat().st_size
        assert (entry["report"]["received"], entry["report"]["created"]) == (12, 10)
        rejects = entry["report"]["rejected"]
        assert sorted(r["position"] for r in rejects) == list(feed.bad_positions)
        assert all(r["reason"] for r in rejects)
        assert others.json() == []
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == "application/problem+json"
        assert desk.status_code == 403
        # the network team: counts and reasons, never who uploaded it nor whose record
        [seen] = overview.json()
        assert (seen["source"], seen["received"], seen["rejected"]) == ("ub", 12, 2)
        assert [r["position"] for r in seen["rejects"]] == [r["position"] for r in rejects]
        assert entry["uploaded_by"] not in overview.text
        assert not any(r["primary_id"] in overview.text for r in rejects if r["primary_id"])
        assert (not_the_history.status_code, ub_overview.status_code) == (403, 403)
        http = service.runtime.metrics.get_sample_value(  # the route template, never the id
            "rebub_http_request_duration_seconds_count",
            {
                "tenant": "network",
                "method": "GET",
                "route": "/imports/{import_id}",
                "status": "404",
            },
        )
        assert http == 1

        # The alarm, from the stored history: ub sent its feed on Monday 5 October 07:00 UTC.
        watch = FeedWatch(service.history, clock, CollectorRegistry())
        assert await watch.check() == ["ubm", "scpo", "inp", "bsa"]  # never sent one
        assert watch.missing.labels(source="ub")._value.get() == 0
        assert watch.rejected.labels(source="ub")._value.get() == 2
        clock.set(NOW + timedelta(days=1, minutes=1))  # Tuesday 6 October 07:01 UTC
        assert "ub" in await watch.check()
        assert watch.missing.labels(source="ub")._value.get() == 1


async def test_the_pickup_imports_each_waiting_feed_once_and_moves_it_aside(
    namespace: Namespace, instances: Any, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    (drop / "ub").mkdir(parents=True)
    (drop / "bsa").mkdir()
    feed = write_csv_feed(drop / "ub" / "ub-2026-10-05.csv", 8, "ub", seed=6)
    kept = feed.path.read_bytes()
    (drop / "bsa" / "bsa-2026-10-05.csv").write_bytes(b"\xff\xfe not a feed")
    started = await instances("network")
    _, service = started["network"]

    first = await pick_up(service, drop, ImportMode.FULL)
    (drop / "ub" / "again.csv").write_bytes(kept)  # the DSI sent the same file twice
    second = await pick_up(service, drop, ImportMode.FULL)

    assert [(p.source, p.file_name, p.outcome) for p in first] == [
        ("ub", "ub-2026-10-05.csv", "applied"),
        ("bsa", "bsa-2026-10-05.csv", "refused"),
    ]
    assert [(p.source, p.outcome) for p in second] == [("ub", "already applied")]
    assert sorted(p.name for p in (drop / "ub" / "done").iterdir()) == [
        "again.csv",
        "ub-2026-10-05.csv",
    ]
    assert [p.name for p in (drop / "bsa" / "refused").iterdir()] == ["bsa-2026-10-05.csv"]
    history = await service.history.latest(limit=10)
    assert sorted((e.source, e.outcome, e.uploaded_by) for e in history) == [
        ("bsa", "refused", "drop-folder pickup"),
        ("ub", "applied", "drop-folder pickup"),
    ]
