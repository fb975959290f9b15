"""The network zone's full accounts, read from the compacted ``nz.patron.v1`` when one is linked
(the institution zone's projection keeps no contact data: issue 21, minimal copies)."""

from collections.abc import Mapping, Sequence

from patron_sync.adapters.contracts import from_nz_contract
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.service_layer.unit_of_work import RecordPosition
from rebub_shared.clock import Clock
from rebub_shared.cloudevents import EventRegistry
from rebub_shared.compacted import CompactedReader, KeyedRecord
from rebub_shared.contracts.patrons import NzAccountChanged

NZ_EVENTS = EventRegistry(NzAccountChanged)


class TopicNetworkAccounts:
    """Reads accounts' latest records on ``nz.patron.v1`` (a tombstone: gone, None), through
    the instance's reader of that topic (``reader``)."""

    def __init__(self, reader: CompactedReader, clock: Clock) -> None:
        self._reader, self._clock = reader, clock

    async def account(
        self, primary_id: str, position: RecordPosition | None = None
    ) -> NzAccount | None:
        return (await self.accounts([primary_id], {primary_id: position})).get(primary_id)

    async def accounts(
        self, primary_ids: Sequence[str], positions: Mapping[str, RecordPosition | None]
    ) -> dict[str, NzAccount]:
        at = {k: p for k, p in positions.items() if p is not None}
        records = await self._reader.latest(primary_ids, at)
        return {
            key: self._account(record)
            for key, record in records.items()
            if record.value is not None  # a tombstone: gone
        }

    def _account(self, record: KeyedRecord) -> NzAccount:
        assert record.value is not None
        event = NZ_EVENTS.decode(dict(record.headers), record.value)
        return from_nz_contract(event.data.account, self._clock.now())
