"""An institution zone's subscribers on FastStream's in-memory test broker: the NZ accounts
arrive as one batch of typed accounts, an external reader as the command applying it."""

from __future__ import annotations

from datetime import date
from typing import Any

from patron_sync.bootstrap import build
from patron_sync.domain.institutions import Institution
from patron_sync.entrypoints import kafka
from patron_sync.entrypoints.instance import PatronSync
from patron_sync.service_layer.commands import ApplyExternalReader, ApplyNzAccounts
from patron_sync.settings import PatronSyncSettings
from rebub.testing.subscribers import deliver
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.contracts.patrons import (
    Contact,
    ExternalReader,
    ExternalReaderPublished,
    NzAccount,
    NzAccountChanged,
)


def recording_instance() -> tuple[PatronSync, list[Any]]:
    """ub's instance, wired without I/O, its commands kept instead of run."""
    settings = PatronSyncSettings(tenant="ub", auth=AuthSettings(issuer="http://issuer.invalid"))
    service, handled = build(settings), []

    async def handle(command: object) -> None:
        handled.append(command)

    service.handle = handle  # type: ignore[method-assign]
    return service, handled


def nz_account(primary_id: str) -> NzAccount:
    return NzAccount(
        primary_id=primary_id,
        source="bsa",
        last_name="Bernard",
        first_name="Jeanne",
        user_group="L",
        expiry_date=date(2027, 9, 30),
        contact=Contact(emails=["jeanne.bernard@example.org"]),
        barcodes=[f"CARD{primary_id}"],
        fingerprint="f" * 16,
        version=1,
    )


async def test_nz_accounts_arrive_as_one_batch_of_accounts() -> None:
    service, handled = recording_instance()
    events = [(NzAccountChanged(account=nz_account(p)), "network") for p in ("NZ-1", "NZ-2")]
    await deliver(kafka.nz_subscriber(service), events)
    [command] = handled
    assert isinstance(command, ApplyNzAccounts)
    assert command.tenant is Institution.UB
    assert [a.record.primary_id for a in command.accounts] == ["NZ-1", "NZ-2"]
    assert command.tombstones == ()


async def test_an_external_reader_is_applied_as_written_by_its_zone() -> None:
    service, handled = recording_instance()
    reader = ExternalReader(
        primary_id="EXT-1",
        created_by="scpo",
        last_name="Petit",
        first_name="Marc",
        expiry_date=date(2027, 6, 30),
        contact=Contact(emails=["marc.petit@example.org"]),
        barcodes=[],
        version=4,
    )
    await deliver(
        kafka.reader_subscriber(service), [(ExternalReaderPublished(reader=reader), "scpo")]
    )
    [command] = handled
    assert isinstance(command, ApplyExternalReader)
    assert (command.tenant, command.written_by) == (Institution.UB, Institution.SCPO)
    assert (command.record.primary_id, command.version) == ("EXT-1", 4)
