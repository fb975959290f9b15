"""Institution zone consumers: ``nz.patron.v1`` (batches) and ``net.external-reader.v1``.

Both commit after their write (``consumer_options``). A batch's undecodable record goes to the
dead-letter topic and the rest is applied; if applying the batch fails for another reason, it is
applied record by record so only the faulty ones are dead-lettered. Transient store or broker
errors escape: the batch is read again later (replays change nothing: versioned upserts).
"""

from typing import TYPE_CHECKING, Any

from faststream.kafka.annotations import KafkaMessage

from patron_sync.adapters.contracts import from_nz_contract, reader_record
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.service_layer.commands import ApplyExternalReader, ApplyNzAccounts
from rebub_shared.cloudevents import EventRegistry
from rebub_shared.contracts.patrons import ExternalReaderPublished, NzAccountChanged
from rebub_shared.logging import get_logger
from rebub_shared.messaging import TRANSIENT_ERRORS, consumer_options, undecoded_batch

if TYPE_CHECKING:
    from patron_sync.bootstrap import PatronSync

NZ_EVENTS = EventRegistry(NzAccountChanged)
READER_EVENTS = EventRegistry(ExternalReaderPublished)
log = get_logger(__name__)


def register_consumers(service: "PatronSync") -> None:
    """Subscribe an institution instance to the NZ accounts and the external readers."""
    rt, settings = service.runtime, service.settings
    tenant, options = service.institution, consumer_options(fast=settings.fast_consumers)

    async def dead_letter(record: Any, reason: str) -> None:
        await rt.dead_letters.send_record(record, reason)

    async def apply(records: list[tuple[Any, NzAccount | None]]) -> None:
        accounts = tuple(a for _, a in records if a is not None)
        tombstones = tuple(r.key.decode() for r, a in records if a is None)
        await service.handle(ApplyNzAccounts(tenant, accounts, tombstones))

    @rt.broker.subscriber(
        rt.topics.nz_patron,
        group_id=rt.topics.group(tenant, "patron-sync", "nz-patron"),
        batch=True,
        decoder=undecoded_batch,  # records are decoded one by one below
        max_records=settings.consumer_batch_size,
        **options,
    )
    async def on_nz_accounts(msg: KafkaMessage) -> None:
        raw = msg.raw_message
        batch = raw if isinstance(raw, tuple) else (raw,)
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

    @rt.broker.subscriber(
        rt.topics.external_reader,
        group_id=rt.topics.group(tenant, "patron-sync", "external-reader"),
        **options,
    )
    async def on_external_reader(body: Any, msg: KafkaMessage) -> None:
        event = READER_EVENTS.decode(msg.headers, body)
        reader = event.data.reader
        written_by = reader.updated_by or reader.created_by
        command = ApplyExternalReader(tenant, reader_record(reader), reader.version, written_by)
        await service.handle(command)
