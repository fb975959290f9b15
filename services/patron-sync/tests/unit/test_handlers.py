"""Service layer handlers against the in-memory units of work."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from patron_sync.adapters.feeds.feed import DsiFeedReader
from patron_sync.adapters.memory import (
    MemoryImportHistory,
    MemoryIzUnitOfWork,
    MemoryNzAccounts,
    MemoryNzPublisher,
)
from patron_sync.domain.absence import ImportMode
from patron_sync.domain.errors import (
    AccountKindError,
    FeedRefusedError,
    InvalidFieldError,
    NzOwnedFieldError,
)
from patron_sync.domain.import_report import ImportReport
from patron_sync.domain.nz_accounts import decide_nz_import
from patron_sync.domain.patron import Identifier, PatronRecord
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.context import Context, ImportOptions, NetworkContext
from patron_sync.service_layer.registry import InstitutionBus, network_bus
from patron_sync.service_layer.unit_of_work import NzUnitOfWork
from rebub.demo.feeds import write_csv_feed

OCT_5 = datetime(2026, 10, 5, 4, 0, tzinfo=UTC)
OCT_6 = datetime(2026, 10, 6, 4, 0, tzinfo=UTC)


def _nz() -> NzUnitOfWork:
    return NzUnitOfWork(
        MemoryNzAccounts(), MemoryNzPublisher(), DsiFeedReader(), MemoryImportHistory()
    )


async def import_feed(
    command: cmds.ImportFeed,
    uow: NzUnitOfWork,
    now: datetime,
    options: ImportOptions | None = None,
) -> ImportReport:
    """One import through the network zone's bus, at ``now``."""
    bus = network_bus(lambda: uow, NetworkContext(lambda: now, options or ImportOptions()))
    return await bus.handle(command)


async def test_import_reports_rejects_and_reimport_publishes_nothing(tmp_path: Path) -> None:
    feed = write_csv_feed(tmp_path / "ub.csv", 200, "ub", bad_records=5)
    uow, command = _nz(), cmds.ImportFeed(feed.path, "ub")
    first = await import_feed(command, uow, OCT_5, ImportOptions(batch_size=64))
    assert (first.created, len(first.rejected)) == (195, 5)
    assert sorted(r.position for r in first.rejected) == list(feed.bad_positions)
    again = await import_feed(command, uow, OCT_6, ImportOptions(batch_size=64))
    assert (again.unchanged, again.absent) == (195, 0)
    assert isinstance(uow.publisher, MemoryNzPublisher)
    assert len(uow.publisher.sent) == 195


async def test_full_feed_flags_missing_accounts_absent_but_not_rejected_ones(
    tmp_path: Path,
) -> None:
    uow = _nz()
    big = write_csv_feed(tmp_path / "a.csv", 100, "ub")
    await import_feed(cmds.ImportFeed(big.path, "ub"), uow, OCT_5, ImportOptions())
    small = write_csv_feed(tmp_path / "b.csv", 90, "ub", bad_records=3)
    report = await import_feed(cmds.ImportFeed(small.path, "ub"), uow, OCT_6, ImportOptions())
    # 10 accounts left the feed; rejected records with a primary id are still in it, the one
    # rejected for a missing primary id cannot be matched to its account.
    assert report.absent == 11


async def test_accounts_absent_from_the_feed_are_purged_after_400_days(tmp_path: Path) -> None:
    uow, options = _nz(), ImportOptions()
    big = write_csv_feed(tmp_path / "a.csv", 100, "ub")
    await import_feed(cmds.ImportFeed(big.path, "ub"), uow, datetime(2025, 10, 26, tzinfo=UTC))
    small = cmds.ImportFeed(write_csv_feed(tmp_path / "b.csv", 95, "ub").path, "ub")
    left = datetime(2025, 10, 27, 10, 0, tzinfo=UTC)  # 5 accounts absent from here
    assert (await import_feed(small, uow, left, options)).absent == 5
    assert isinstance(uow.publisher, MemoryNzPublisher)

    await import_feed(small, uow, datetime(2026, 12, 1, 10, 0, tzinfo=UTC), options)  # 400 days
    assert uow.publisher.purged == []
    await import_feed(small, uow, datetime(2026, 12, 2, 10, 0, tzinfo=UTC), options)  # 401 days
    assert len(uow.publisher.purged) == 5
    gone = await uow.accounts.get_many(set(uow.publisher.purged))
    assert gone == {}


async def test_full_feed_much_smaller_than_the_last_is_refused(tmp_path: Path) -> None:
    uow = _nz()
    big = write_csv_feed(tmp_path / "a.csv", 100, "ub")
    await import_feed(cmds.ImportFeed(big.path, "ub"), uow, OCT_5, ImportOptions())
    small = write_csv_feed(tmp_path / "b.csv", 50, "ub")
    with pytest.raises(FeedRefusedError, match="last one of ub held 100"):
        await import_feed(cmds.ImportFeed(small.path, "ub"), uow, OCT_6, ImportOptions())
    delta = cmds.ImportFeed(small.path, "ub", ImportMode.DELTA)
    assert (await import_feed(delta, uow, OCT_6, ImportOptions())).unchanged == 50


async def _run(uow: MemoryIzUnitOfWork, command: object) -> object:
    return await InstitutionBus(uow.fresh, Context(lambda: OCT_5)).handle(command)  # type: ignore[arg-type]


async def test_nz_update_keeps_local_barcode_and_never_creates_unlinked(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    v1 = decide_nz_import(make_record(), None, OCT_5).account
    other = decide_nz_import(make_record(primary_id="other", identifiers=()), None, OCT_5).account
    await _run(uow, cmds.ApplyNzAccounts("ubm", (v1, other)))
    assert uow.patrons.rows == {}
    await _run(uow, cmds.LinkPatron("ubm", "22001234"))
    card = Identifier(value="UBM-0042")
    await _run(uow, cmds.AddIdentifier("ubm", "22001234", card))
    v2 = decide_nz_import(make_record(last_name="Martin"), v1, OCT_6).account
    await _run(uow, cmds.ApplyNzAccounts("ubm", (v2, v1)))
    copy = uow.patrons.rows["22001234"]
    assert (copy.patron.record.last_name, copy.patron.additions.identifiers) == ("Martin", (card,))
    assert copy.revision == 3
    with pytest.raises(NzOwnedFieldError, match="last_name"):
        await _run(uow, cmds.EditPatron("ubm", "22001234", {"last_name": "X"}))


async def test_waiting_account_is_merged_once_when_the_account_arrives(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    await _run(uow, cmds.CreateWaitingAccount("ubm", make_record(identifiers=())))
    await _run(uow, cmds.AddIdentifier("ubm", "ATT-22001234", Identifier(value="T-1")))
    nz = decide_nz_import(make_record(), None, OCT_5).account
    await _run(uow, cmds.ApplyNzAccounts("ubm", (nz,)))
    await _run(uow, cmds.ApplyNzAccounts("ubm", (nz,)))  # a replay
    merged = uow.patrons.rows["22001234"].patron
    assert [i.value for i in merged.additions.identifiers] == ["T-1"]
    assert uow.patrons.rows["ATT-22001234"].patron.merged_into == "22001234"
    events = [type(e).__name__ for _, _, also in uow.published for e in also]
    assert events == ["WaitingAccountMerged"]


async def test_staff_confirm_a_match_and_the_waiting_account_merges_into_another_id(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    waiting = make_record(primary_id="TEMP-7", identifiers=())
    await _run(uow, cmds.CreateWaitingAccount("ubm", waiting))
    await _run(uow, cmds.AddIdentifier("ubm", "ATT-TEMP-7", Identifier(value="T-7")))
    nz = decide_nz_import(make_record(), None, OCT_5).account
    await _run(uow, cmds.ApplyNzAccounts("ubm", (nz,)))
    await _run(uow, cmds.LinkPatron("ubm", "22001234"))
    assert uow.patrons.rows["ATT-TEMP-7"].patron.merged_into is None  # other id: not automatic
    await _run(uow, cmds.MergeWaitingAccount("ubm", "ATT-TEMP-7", "22001234"))
    merged = uow.patrons.rows["22001234"].patron
    assert [i.value for i in merged.additions.identifiers] == ["T-7"]
    closed = uow.patrons.rows["ATT-TEMP-7"].patron
    assert (closed.status.value, closed.merged_into) == ("closed", "22001234")
    events = [e for _, _, also in uow.published for e in also]
    assert [(type(e).__name__, e.waiting_id) for e in events] == [  # type: ignore[attr-defined]
        ("WaitingAccountMerged", "ATT-TEMP-7")
    ]
    with pytest.raises(AccountKindError, match="is no open waiting account"):
        await _run(uow, cmds.MergeWaitingAccount("ubm", "ATT-TEMP-7", "22001234"))


async def test_bulk_link_links_each_network_account_once_and_reports(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    accounts = tuple(
        decide_nz_import(make_record(primary_id=pid, identifiers=()), None, OCT_5).account
        for pid in ("P-1", "P-2", "P-3")
    )
    await _run(uow, cmds.ApplyNzAccounts("ubm", accounts))
    await _run(uow, cmds.LinkPatron("ubm", "P-1"))

    asked = ("P-1", "P-2", "P-3", "P-2", "NOPE")
    report = await _run(uow, cmds.LinkPatrons("ubm", asked))
    assert report == cmds.LinkReport(
        linked=("P-2", "P-3"), already_linked=("P-1",), unknown=("NOPE",)
    )
    assert set(uow.patrons.rows) == {"P-1", "P-2", "P-3"}
    assert [p.account_id for p, _, _ in uow.published] == ["P-1", "P-2", "P-3"]
    again = await _run(uow, cmds.LinkPatrons("ubm", asked))
    assert again == cmds.LinkReport(
        linked=(), already_linked=("P-1", "P-2", "P-3"), unknown=("NOPE",)
    )
    too_many = tuple(f"P-{n}" for n in range(cmds.MAX_BULK_LINK + 1))
    with pytest.raises(InvalidFieldError, match="at most 1000"):
        await _run(uow, cmds.LinkPatrons("ubm", too_many))
