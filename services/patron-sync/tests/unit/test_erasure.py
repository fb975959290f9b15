"""Erasure handlers against the in-memory units of work (issue 21)."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from patron_sync.adapters.contracts import reader_record
from patron_sync.adapters.feeds.feed import DsiFeedReader
from patron_sync.adapters.memory import (
    MemoryImportHistory,
    MemoryIzUnitOfWork,
    MemoryNzAccounts,
    MemoryNzPublisher,
)
from patron_sync.domain.erasure import ERASING_SERVICES, Confirmation, erasure_status
from patron_sync.domain.nz_accounts import decide_nz_import
from patron_sync.domain.patron import PatronRecord
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.context import Context, ImportOptions, NetworkContext
from patron_sync.service_layer.errors import PatronNotFoundError
from patron_sync.service_layer.registry import InstitutionBus, network_bus
from patron_sync.service_layer.unit_of_work import NzStored, NzUnitOfWork
from rebub.testing.samples import external_reader

OCT_5 = datetime(2026, 10, 5, 4, 0, tzinfo=UTC)


async def test_the_network_removes_the_account_and_names_the_request_in_its_tombstone(
    make_record: Callable[..., PatronRecord],
) -> None:
    accounts, publisher = MemoryNzAccounts(), MemoryNzPublisher()
    account = decide_nz_import(make_record(), None, OCT_5).account
    accounts.rows["22001234"] = NzStored(account)
    uow = NzUnitOfWork(accounts, publisher, DsiFeedReader(), MemoryImportHistory())
    bus = network_bus(lambda: uow, NetworkContext(lambda: OCT_5, ImportOptions()))
    with pytest.raises(PatronNotFoundError):  # ubm's officer may not erase ub's people
        await bus.handle(cmds.EraseAccount("22001234", "req-1", "ubm"))
    done = await bus.handle(cmds.EraseAccount("22001234", "req-2", "ub"))
    assert (done.request_id, done.source, done.erased_at) == ("req-2", "ub", OCT_5)
    assert accounts.rows == {}
    assert publisher.erasures == [("22001234", "req-2")]


async def _run(uow: MemoryIzUnitOfWork, command: object) -> object:
    return await InstitutionBus(uow.fresh, Context(lambda: OCT_5)).handle(command)  # type: ignore[arg-type]


async def test_an_erasure_tombstone_removes_the_copies_a_purge_its_linked_copy_too(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    erased = decide_nz_import(make_record(), None, OCT_5).account
    purged = decide_nz_import(make_record(primary_id="other", identifiers=()), None, OCT_5).account
    await _run(uow, cmds.ApplyNzAccounts("ubm", (erased, purged)))
    await _run(uow, cmds.LinkPatron("ubm", "22001234"))
    await _run(uow, cmds.LinkPatron("ubm", "other"))
    request = {"22001234": "req-9"}
    erasure = cmds.ApplyNzAccounts("ubm", (), ("other",), ("22001234",), request)
    await _run(uow, erasure)
    # The purge (the account left the feed 400 days ago) removes the linked copy too, announced
    # by a plain tombstone (issue 21 item 3: retention); the erasure, by an erasure's.
    assert (uow.nz.rows, list(uow.patrons.rows)) == ({}, [])
    assert uow.departures.purged_ == ["other"]
    assert uow.departures.sent == ["22001234"]  # announced on ubm.patron.v1 before its removal
    assert uow.departures.applied_ == [("req-9", 1)]  # then confirmed: one copy removed
    # Its dead letters, by the primary id and the copy's id, tombstoned before confirming.
    assert uow.departures.about == ["22001234", "22001234"]
    await _run(uow, cmds.ApplyNzAccounts("ubm", (), erased=("22001234",), requests=request))
    assert uow.departures.sent == ["22001234"]  # a replay: nothing left to announce
    assert uow.departures.applied_ == [("req-9", 1), ("req-9", 0)]


def test_an_erasure_status_service_by_service() -> None:
    at = OCT_5
    confirmations = {
        ("ub", "patron-sync"): Confirmation(at, 2, "2 copies removed"),
        ("ub", "circulation"): Confirmation(at, 1, "anonymised"),
        ("ubm", "patron-sync"): Confirmation(at, 0, "0 copies removed"),
    }
    zones, complete = erasure_status(confirmations, ("ub", "ubm", "scpo"))
    states = {z: [s["state"] for s in services.values()] for z, services in zones.items()}
    assert states == {
        "ub": ["done", "done", "pending"],  # ub's notifier has not confirmed yet
        "ubm": ["done", "nothing held", "nothing held"],  # never linked in ubm
        "scpo": ["pending", "pending", "pending"],  # scpo's patron-sync has not read it yet
    }
    assert zones["ub"]["patron-sync"] == {
        "state": "done",
        "applied_at": at,
        "accounts": 2,
        "done": "2 copies removed",
    }
    assert complete is False
    everything = {(z, s): Confirmation(at, 1, "done") for z in ("ub",) for s in ERASING_SERVICES}
    assert erasure_status(everything, ("ub",))[1] is True


async def test_an_external_readers_erasure_removes_this_zones_copy_and_confirms() -> None:
    uow = MemoryIzUnitOfWork("ub")
    reader = reader_record(external_reader("EXT-1", version=1))
    await _run(uow, cmds.ApplyExternalReader("ub", reader, 1, "scpo"))
    assert list(uow.patrons.rows) == ["EXT-1"]
    assert await _run(uow, cmds.EraseExternalReader("ub", "EXT-1", "req-5")) == 1
    assert (list(uow.patrons.rows), uow.departures.sent) == ([], ["EXT-1"])
    assert uow.departures.applied_ == [("req-5", 1)]
    assert await _run(uow, cmds.EraseExternalReader("ub", "EXT-1", "req-5")) == 0  # a replay


async def test_only_the_creating_zone_erases_an_external_reader_by_a_tombstone() -> None:
    """scpo created EXT-1: scpo's request publishes the erasure tombstone; ub (holding a copy)
    and an unknown id answer "not found", and nothing is published for them."""
    reader = reader_record(external_reader("EXT-1", version=1))
    for tenant in ("ub", "scpo"):
        uow = MemoryIzUnitOfWork(tenant)
        await _run(uow, cmds.ApplyExternalReader(tenant, reader, 1, "scpo"))
        with pytest.raises(PatronNotFoundError):
            await _run(uow, cmds.RequestReaderErasure(tenant, "EXT-9", "req-6"))
        if tenant == "ub":
            with pytest.raises(PatronNotFoundError):
                await _run(uow, cmds.RequestReaderErasure("ub", "EXT-1", "req-6"))
            assert uow.departures.readers_erased == []
            continue
        done = await _run(uow, cmds.RequestReaderErasure("scpo", "EXT-1", "req-6"))
        assert (done.request_id, done.primary_id, done.source) == ("req-6", "EXT-1", "scpo")
        assert uow.departures.readers_erased == [("EXT-1", "req-6")]
        assert list(uow.patrons.rows) == ["EXT-1"]  # removed when the tombstone comes back
