"""The network zone's full accounts, read from the compacted ``nz.patron.v1`` when one is linked
(the institution zone's projection keeps no contact data: issue 21, minimal copies)."""

from collections.abc import Sequence

from patron_sync.adapters.contracts import from_nz_contract
from patron_sync.domain.nz_accounts import NzAccount
from rebub_shared.clock import Clock
from rebub_shared.cloudevents import EventRegistry
from rebub_shared.compacted import KeyedRecord, latest_records
from rebub_shared.contracts.patrons import NzAccountChanged
from rebub_shared.settings import KafkaSettings
from rebub_shared.topics import Topics

NZ_EVENTS = EventRegistry(NzAccountChanged)


class TopicNetworkAccounts:
    """Reads accounts' latest records on ``nz.patron.v1`` (a tombstone: gone, None)."""

    def __init__(self, settings: KafkaSettings, topics: Topics, clock: Clock) -> None:
        self._settings, self._topics, self._clock = settings, topics, clock

    async def account(self, primary_id: str) -> NzAccount | None:
        return (await self.accounts([primary_id])).get(primary_id)

    async def accounts(self, primary_ids: Sequence[str]) -> dict[str, NzAccount]:
        topic = self._topics.nz_patron
        records = await latest_records(self._settings, self._topics, topic, primary_ids)
        return {
            key: self._account(record)
            for key, record in records.items()
            if record.value is not None  # a tombstone: gone
        }

    def _account(self, record: KeyedRecord) -> NzAccount:
        assert record.value is not None
        event = NZ_EVENTS.decode(dict(record.headers), record.value)
        return from_nz_contract(event.data.account, self._clock.now())
