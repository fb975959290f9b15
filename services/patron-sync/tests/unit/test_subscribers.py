"""An institution zone's subscribers on FastStream's in-memory test broker: the NZ accounts
arrive as one batch of typed accounts (each with its own record's correlation id), an external
reader as the command applying it."""

from __future__ import annotations

from typing import Any

from aiokafka import ConsumerRecord

from patron_sync.bootstrap import build
from patron_sync.entrypoints import kafka
from patron_sync.entrypoints.instance import PatronSync
from patron_sync.service_layer.commands import (
    ApplyExternalReader,
    ApplyNzAccounts,
    EraseExternalReader,
)
from patron_sync.settings import PatronSyncSettings
from rebub.testing.samples import external_reader, nz_account
from rebub.testing.subscribers import deliver, deliver_tombstone, record
from rebub_shared import correlation
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.contracts.patrons import (
    ERASURE_HEADER,
    ExternalReaderPublished,
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


async def test_nz_accounts_arrive_as_one_batch_of_accounts() -> None:
    service, handled = recording_instance()
    events = [(NzAccountChanged(account=nz_account(p)), "network") for p in ("NZ-1", "NZ-2")]
    await deliver(kafka.nz_subscriber(service), events)
    [command] = handled
    assert isinstance(command, ApplyNzAccounts)
    assert command.tenant == "ub"
    assert [a.record.primary_id for a in command.accounts] == ["NZ-1", "NZ-2"]
    assert command.tombstones == ()


async def test_a_batch_keeps_each_nz_record_s_correlation_id_for_its_account() -> None:
    """A batch mixes records of two feed runs (and one with no id): each account is applied
    under its own record's id, never one id for the whole batch."""
    service, handled = recording_instance()
    subscriber = kafka.nz_subscriber(service)
    raw = []
    for offset, (pid, run) in enumerate((("NZ-1", "run-1"), ("NZ-2", "run-2"), ("NZ-3", None))):
        with correlation.adopted(run):
            value, headers = record(NzAccountChanged(account=nz_account(pid)), "network", pid)
        topic = subscriber.consumption.topics[0]
        raw.append(
            ConsumerRecord(topic, 0, offset, 0, 0, pid.encode(), value, None, 0, 0,
                           tuple((k, v.encode()) for k, v in headers.items()))
        )  # fmt: skip
    await subscriber.handle(tuple(raw))
    [command] = handled
    assert isinstance(command, ApplyNzAccounts)
    assert command.correlations == {"NZ-1": "run-1", "NZ-2": "run-2"}


async def test_an_external_reader_is_applied_as_written_by_its_zone() -> None:
    service, handled = recording_instance()
    reader = external_reader("EXT-1", version=4)
    await deliver(
        kafka.reader_subscriber(service), [(ExternalReaderPublished(reader=reader), "scpo")]
    )
    [command] = handled
    assert isinstance(command, ApplyExternalReader)
    assert (command.tenant, command.written_by) == ("ub", "scpo")
    assert (command.record.primary_id, command.version) == ("EXT-1", 4)


async def test_an_erasure_tombstone_of_an_external_reader_erases_the_copy_a_plain_one_not() -> None:
    service, handled = recording_instance()
    subscriber = kafka.reader_subscriber(service)
    scpo = {"ce_tenant": "scpo", "ce_source": "/rebub/scpo/patron-sync"}
    await deliver_tombstone(subscriber, "EXT-1", headers=scpo)
    assert handled == []  # not an erasure: the copy stays
    await deliver_tombstone(subscriber, "EXT-1", headers={**scpo, ERASURE_HEADER: "req-5"})
    assert handled == [EraseExternalReader("ub", "EXT-1", "req-5")]
