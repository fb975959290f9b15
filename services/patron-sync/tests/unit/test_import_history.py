"""The import history (handlers on the in-memory units of work) and the missing-feed rule, with
dates written out."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from patron_sync.adapters.feeds.feed import DsiFeedReader
from patron_sync.adapters.memory import MemoryImportHistory, MemoryNzAccounts, MemoryNzPublisher
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.import_history import ImportEntry, missing_feeds, observed
from patron_sync.domain.import_report import ImportReport, Reject
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.context import ImportOptions, NetworkContext
from patron_sync.service_layer.registry import network_bus
from patron_sync.service_layer.unit_of_work import NzUnitOfWork
from rebub.demo.feeds import write_csv_feed

MON_5_OCT_0400 = datetime(2026, 10, 5, 4, 0, tzinfo=UTC)
TUE_6_OCT_0359 = datetime(2026, 10, 6, 3, 59, tzinfo=UTC)
TUE_6_OCT_0401 = datetime(2026, 10, 6, 4, 1, tzinfo=UTC)
SOURCES = ("ub", "ubm", "bsa")


def test_a_source_is_missing_past_a_day_after_its_last_feed() -> None:
    last = {"ub": MON_5_OCT_0400, "ubm": datetime(2026, 10, 6, 2, 0, tzinfo=UTC)}
    assert missing_feeds(last, SOURCES, TUE_6_OCT_0359) == ["bsa"]  # never sent one
    assert missing_feeds(last, SOURCES, TUE_6_OCT_0401) == ["ub", "bsa"]


def test_a_feed_exactly_a_day_old_is_not_missing_yet() -> None:
    at_the_minute = datetime(2026, 10, 6, 4, 0, tzinfo=UTC)
    assert missing_feeds({"ub": MON_5_OCT_0400}, ("ub",), at_the_minute) == []


async def test_each_import_is_kept_with_its_file_checksum_uploader_and_rejects(
    tmp_path: Path,
) -> None:
    history = MemoryImportHistory()
    uow = NzUnitOfWork(MemoryNzAccounts(), MemoryNzPublisher(), DsiFeedReader(), history)
    now = [MON_5_OCT_0400]
    bus = network_bus(lambda: uow, NetworkContext(lambda: now[0], ImportOptions()))
    feed = write_csv_feed(tmp_path / "spool-1.csv", 20, "ub", bad_records=2)
    await bus.handle(
        cmds.ImportFeed(feed.path, "ub", file_name="ub-2026-10-05.csv", uploaded_by="ub-feed")
    )
    now[0] = TUE_6_OCT_0401
    broken = tmp_path / "spool-2.csv"
    broken.write_bytes(b"\xff\xfe not a feed")
    with pytest.raises(FeedRefusedError):
        await bus.handle(cmds.ImportFeed(broken, "ub", uploaded_by="ub-feed"))

    refused, applied = await history.latest("ub")  # newest first
    assert (applied.file_name, applied.uploaded_by, applied.outcome) == (
        "ub-2026-10-05.csv",
        "ub-feed",
        "applied",
    )
    assert applied.size == feed.path.stat().st_size
    assert len(applied.checksum) == 64
    assert applied.report is not None
    assert sorted(r.position for r in applied.report.rejected) == list(feed.bad_positions)
    assert (refused.file_name, refused.outcome, refused.report) == ("spool-2.csv", "refused", None)
    assert refused.refusal is not None
    assert await history.last_received() == {"ub": TUE_6_OCT_0401}  # a refused feed was sent


def test_the_network_team_sees_counts_and_reasons_but_no_uploader_primary_id_or_value() -> None:
    rejects = (
        Reject(
            position=4,
            position_kind="line",
            primary_id="E20260042",
            field="primary_id",
            value="E20260042",
            reason="duplicate primary id E20260042, first at 2",
        ),
        Reject(
            position=7,
            position_kind="line",
            primary_id="E20260077",
            field="expiry_date",
            value="31/12/2027",
            reason="not a date YYYY-MM-DD: 31/12/2027",
        ),
    )
    report = ImportReport(
        received=10, created=6, updated=1, unchanged=1, rejected=rejects, absent=3
    )
    entry = ImportEntry(
        id="ub-1",
        source="ub",
        mode="full",
        file_name="ub-2026-10-05.csv",
        checksum="ab" * 32,
        size=1200,
        uploaded_by="ub-feed-admin",
        received_at=MON_5_OCT_0400,
        outcome="applied",
        report=report,
    )

    seen = observed(entry).model_dump(mode="json")

    assert (seen["received"], seen["created"], seen["rejected"], seen["absent"]) == (10, 6, 2, 3)
    assert [(r["position"], r["field"], r["reason"]) for r in seen["rejects"]] == [
        (4, "primary_id", "duplicate primary id …, first at 2"),
        (7, "expiry_date", "not a date YYYY-MM-DD: …"),
    ]
    shown = str(seen)
    for personal in ("E20260042", "E20260077", "31/12/2027", "ub-feed-admin"):
        assert personal not in shown
    assert "uploaded_by" not in seen
    assert "checksum" not in seen
