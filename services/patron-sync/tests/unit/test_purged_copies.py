"""The retention of linked copies (issue 21 item 3): the network zone's purge (an account absent
from the feed for 400 days) removes the institution's linked copy, announced by a plain
tombstone; an account never linked here only leaves the projection; a replay removes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from patron_sync.adapters.memory import MemoryIzUnitOfWork
from patron_sync.domain.nz_accounts import decide_nz_import
from patron_sync.domain.patron import PatronRecord
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.context import Context
from patron_sync.service_layer.registry import InstitutionBus

# The day the network zone purges both accounts: 400 days after they left the feed.
PURGED_ON = datetime(2027, 11, 9, 4, 0, tzinfo=UTC)


async def test_a_purge_removes_the_linked_copy_and_only_the_projection_of_the_unlinked(
    make_record: Callable[..., PatronRecord],
) -> None:
    uow = MemoryIzUnitOfWork("ubm")
    bus = InstitutionBus(uow.fresh, Context(lambda: PURGED_ON))
    linked = decide_nz_import(make_record(), None, PURGED_ON).account
    unlinked = decide_nz_import(
        make_record(primary_id="22009999", identifiers=()), None, PURGED_ON
    ).account
    await bus.handle(cmds.ApplyNzAccounts("ubm", (linked, unlinked)))
    await bus.handle(cmds.LinkPatron("ubm", "22001234"))
    assert list(uow.patrons.rows) == ["22001234"]

    purge = cmds.ApplyNzAccounts("ubm", (), ("22001234", "22009999"))
    await bus.handle(purge)

    assert (uow.nz.rows, uow.patrons.rows) == ({}, {})
    assert uow.departures.purged_ == ["22001234"]  # the linked copy, announced; no erasure
    assert uow.departures.sent == []
    await bus.handle(purge)  # the tombstones read again
    assert uow.departures.purged_ == ["22001234"]
