"""Institution zone consumers: ``nz.patron.v1`` (batches) and ``net.external-reader.v1``; the
network zone's (and each institution zone's, for the readers it erases): erasure confirmations
on ``net.erasure.v1``.

Both commit after their write (``consumer_options``). A batch's undecodable record goes to the
dead-letter topic and the rest is applied; if applying the batch fails for another reason, it is
applied record by record so only the faulty ones are dead-lettered. Transient store or broker
errors escape: the batch is read again later (replays change nothing: versioned upserts).
"""

from collections.abc import Mapping
from typing import Any

from patron_sync.adapters.contracts import from_nz_contract, reader_record
from patron_sync.adapters.network_accounts import NZ_EVENTS
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.service_layer.commands import (
    ApplyExternalReader,
    ApplyNzAccounts,
    EraseExternalReader,
)
from patron_sync.service_layer.unit_of_work import RecordPosition
from patron_sync.settings import SERVICE
from rebub_shared import correlation
from rebub_shared.cloudevents import Event
from rebub_shared.contracts.erasures import ErasureApplied
from rebub_shared.contracts.patrons import ExternalReaderPublished, NzAccountChanged
from rebub_shared.erasure_reports import erasure_request
from rebub_shared.logging import get_logger
from rebub_shared.messaging import TRANSIENT_ERRORS
from rebub_shared.service import BatchSubscriber, Consumption, On, Subscriber
from rebub_shared.tenancy import NETWORK, InstitutionCode, TenantCode
from rebub_shared.topics import Topics

from .instance import PatronSync

log = get_logger(__name__)


def nz_accounts(topics: Topics, tenant: InstitutionCode) -> Consumption:
    """The network zone's accounts, projected into the institution zone."""
    return Consumption(
        "nz-patron",
        topics.group(tenant, SERVICE, "nz-patron"),
        (topics.nz_patron,),
        (NzAccountChanged,),
        "The network zone's accounts: a local projection, and the linked copies kept current.",
    )


def external_readers(topics: Topics, tenant: InstitutionCode) -> Consumption:
    """The external readers of every institution zone, copied into this one."""
    return Consumption(
        "external-reader",
        topics.group(tenant, SERVICE, "external-reader"),
        (topics.external_reader,),
        (ExternalReaderPublished,),
        "External readers, copied into every institution zone.",
    )


def erasure_confirmations(topics: Topics, tenant: TenantCode = NETWORK) -> Consumption:
    """Every institution's services confirming the erasures they applied (read by the network
    zone, and by each institution zone for its external readers' erasures)."""
    return Consumption(
        "erasure",
        topics.group(tenant, SERVICE, "erasure"),
        (topics.erasure,),
        (ErasureApplied,),
        "Erasure confirmations: each request's status (GET /erasures/{request_id}): the "
        "network zone's requests, or an institution zone's (its external readers').",
    )


def erasure_subscriber(service: PatronSync) -> Subscriber:
    """The network zone keeps each confirmation with its request; an institution zone those of
    the requests it made (its external readers')."""

    async def on_applied(event: Event[ErasureApplied]) -> None:
        await service.erasures.applied(event.data, known_only=not service.is_network)

    consumption = erasure_confirmations(service.runtime.topics, service.settings.tenant)
    return Subscriber(
        consumption, (On(ErasureApplied, on_applied),), fast=service.settings.fast_consumers
    )


def nz_subscriber(service: PatronSync) -> BatchSubscriber:
    """The NZ accounts in batches of ``consumer_batch_size``, each record decoded here."""
    rt, tenant = service.runtime, service.institution

    async def dead_letter(record: Any, reason: str) -> None:
        await rt.dead_letters.send_record(record, reason)

    async def apply(records: list[tuple[Any, NzAccount | None]]) -> None:
        accounts = tuple(a for _, a in records if a is not None)
        gone = [
            (r.key.decode(), erasure_request(dict(r.headers or ())))
            for r, a in records
            if a is None
        ]
        tombstones = tuple(k for k, request in gone if request is None)
        requests = {k: request for k, request in gone if request is not None}
        # Where each account was read (a key's records are in one partition, in order: the
        # last one wins), so that linking it reads that record alone.
        positions = {
            a.record.primary_id: RecordPosition(r.partition, r.offset)
            for r, a in records
            if a is not None
        }
        correlations = {
            a.record.primary_id: found
            for r, a in records
            if a is not None and (found := correlation.of_headers(r.headers))
        }
        command = ApplyNzAccounts(
            tenant, accounts, tombstones, tuple(requests), requests, positions, correlations
        )
        await service.handle(command)

    async def on_nz_accounts(batch: tuple[Any, ...]) -> None:
        decoded: list[tuple[Any, NzAccount | None]] = []
        now = rt.clock.now()
        for record in batch:
            if await rt.dead_letters.refuse_foreign(record):
                continue
            if record.value is None:
                decoded.append((record, None))
                continue
            try:
                event = NZ_EVENTS.decode(dict(record.headers), record.value)
                decoded.append((record, from_nz_contract(event.data.account, now)))
            except Exception as error:  # the record's fault: set it aside, go on
                await dead_letter(record, f"{type(error).__name__}: {error}")
        try:
            await apply(decoded)
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            log.warning("nz_batch_failed_applying_one_by_one", records=len(decoded))
            for one in decoded:
                try:
                    await apply([one])
                except TRANSIENT_ERRORS:
                    raise
                except Exception as error:
                    await dead_letter(one[0], f"{type(error).__name__}: {error}")

    settings = service.settings
    return BatchSubscriber(
        nz_accounts(rt.topics, tenant),
        on_nz_accounts,
        max_records=settings.consumer_batch_size,
        fast=settings.fast_consumers,
    )


def reader_subscriber(service: PatronSync) -> Subscriber:
    """External reader snapshots, applied when they supersede this zone's copy."""
    tenant = service.institution

    async def on_reader(event: Event[ExternalReaderPublished]) -> None:
        reader = event.data.reader
        written_by = reader.updated_by or reader.created_by
        closed = reader.status == "closed"
        record = reader_record(reader)
        command = ApplyExternalReader(tenant, record, reader.version, written_by, closed)
        await service.handle(command)

    async def on_gone(primary_id: str, headers: Mapping[str, str | bytes]) -> None:
        # An erasure's tombstone removes this zone's copy; a plain one changes nothing here.
        request_id = erasure_request(headers)
        if request_id is not None:
            await service.handle(EraseExternalReader(tenant, primary_id, request_id))

    consumption = external_readers(service.runtime.topics, tenant)
    handlers = (On(ExternalReaderPublished, on_reader),)
    return Subscriber(consumption, handlers, fast=service.settings.fast_consumers, on_gone=on_gone)
