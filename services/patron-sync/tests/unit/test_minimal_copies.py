"""Minimal copies (issue 21): the projection keeps a search entry per network account and no
contact data; a search links nobody; opening an account links it with the record read from the
network zone at that moment."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from patron_sync.adapters.memory import MemoryIzUnitOfWork
from patron_sync.domain.accounts import Note
from patron_sync.domain.nz_accounts import decide_nz_import
from patron_sync.domain.nz_entries import NzEntry
from patron_sync.domain.patron import Address, PatronRecord, Phone
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.context import Context
from patron_sync.service_layer.errors import PatronNotFoundError
from patron_sync.service_layer.queries import find_by_barcode, search_by_name
from patron_sync.service_layer.registry import InstitutionBus

OCT_5 = datetime(2026, 10, 5, 4, 0, tzinfo=UTC)


async def _run(uow: MemoryIzUnitOfWork, command: object) -> object:
    return await InstitutionBus(uow.fresh, Context(lambda: OCT_5)).handle(command)  # type: ignore[arg-type]


def test_an_entry_keeps_the_name_and_barcodes_and_no_contact_data(
    make_record: Callable[..., PatronRecord],
) -> None:
    record = make_record(
        addresses=(Address(line1="12 rue Sainte-Catherine", city="Bordeaux"),),
        phones=(Phone(number="+33 5 56 00 00 00"),),
    )
    entry = NzEntry.of(decide_nz_import(record, None, OCT_5).account)
    assert (entry.last_name, entry.first_name, entry.barcodes) == (
        "Lefèvre",
        "Éloïse",
        ("AQ0001234567",),
    )
    dumped = str(entry.model_dump())
    for contact in ("eloise.lefevre@", "Sainte-Catherine", "+33 5", "2027"):
        assert contact not in dumped


async def test_a_search_links_nobody_and_opening_links_from_the_network(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    account = decide_nz_import(make_record(), None, OCT_5).account
    await _run(uow, cmds.ApplyNzAccounts("ubm", (account,)))
    page = await search_by_name(uow, "lefev")
    assert page.patrons == [NzEntry.of(account)]
    assert uow.patrons.rows == {}
    assert await find_by_barcode(uow, "AQ0001234567") == NzEntry.of(account)
    assert uow.patrons.rows == {}
    await _run(uow, cmds.LinkPatron("ubm", "22001234"))
    linked = uow.patrons.rows["22001234"].patron
    assert linked.record.emails == account.record.emails  # taken from the network zone
    again = await search_by_name(uow, "lefev")
    assert [type(p).__name__ for p in again.patrons] == ["StoredPatron"]


async def test_an_account_erased_from_the_network_is_not_linked(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    account = decide_nz_import(make_record(), None, OCT_5).account
    await _run(uow, cmds.ApplyNzAccounts("ubm", (account,)))
    uow.nz.topic.clear()  # a tombstone on nz.patron.v1 the projection has not read yet
    with pytest.raises(PatronNotFoundError):
        await _run(uow, cmds.LinkPatron("ubm", "22001234"))
    assert uow.patrons.rows == {}


async def test_adding_a_note_for_a_network_account_links_it(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    account = decide_nz_import(make_record(), None, OCT_5).account
    await _run(uow, cmds.ApplyNzAccounts("ubm", (account,)))
    note = Note(text="carte perdue", created_by="ubm-desk", created_at=OCT_5)
    await _run(uow, cmds.AddNote("ubm", "22001234", note))
    linked = uow.patrons.rows["22001234"]
    assert (linked.revision, linked.patron.additions.notes) == (2, (note,))
    assert linked.patron.record.emails == account.record.emails
