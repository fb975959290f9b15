"""Publishing NZ accounts on ``nz.patron.v1``: a batch of sends, then one wait for them all."""

import asyncio
from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from patron_sync.adapters.contracts import to_nz_contract
from patron_sync.domain.erasure import ERASURE_HEADER
from patron_sync.domain.nz_accounts import NzAccount
from rebub_shared.clock import Clock
from rebub_shared.cloudevents import new_event
from rebub_shared.contracts.patrons import NzAccountChanged
from rebub_shared.erasure_reports import ErasureReports, Purge
from rebub_shared.tenancy import NETWORK, InstitutionCode
from rebub_shared.topics import Topics

SOURCE = "/rebub/patron-sync/network"


class KafkaNzPublisher:
    """Key = primary id; the event id names the account and its version (replays are the same
    event); a purge is a tombstone (null value) so compaction forgets the account."""

    def __init__(self, broker: KafkaBroker, topics: Topics, clock: Clock) -> None:
        self._broker, self._topic, self._clock = broker, topics.nz_patron, clock

    async def publish(self, accounts: Sequence[NzAccount]) -> None:
        sends = []
        for account in accounts:
            key = account.record.primary_id
            event = new_event(
                NzAccountChanged(account=to_nz_contract(account)),
                source=SOURCE,
                tenant=NETWORK,
                subject=key,
                clock=self._clock,
                event_id=f"nz.{key}.v{account.version}",
            )
            sends.append(
                await self._broker.publish(
                    event.data.model_dump(mode="json"),
                    self._topic,
                    key=key.encode(),
                    headers=event.envelope.headers(),
                    no_confirm=True,
                )
            )
        await asyncio.gather(*sends)

    async def tombstones(self, primary_ids: Sequence[str], erasure: str | None = None) -> None:
        # The tombstone names its writer too: consumers refuse records the network did not write.
        headers = {"ce_tenant": NETWORK, "ce_source": SOURCE}
        if erasure is not None:  # an erasure, not the purge of an absent account
            headers[ERASURE_HEADER] = erasure
        sends = [
            await self._broker.publish(
                None, self._topic, key=k.encode(), headers=headers, no_confirm=True
            )
            for k in primary_ids
        ]
        await asyncio.gather(*sends)


class KafkaDepartures:
    """Erasure tombstones on ``{inst}.patron.v1`` (key: the account id, null value, the erasure
    header naming the request): circulation and the notifier forget the account; then this
    zone's confirmation on ``net.erasure.v1``. An external reader this zone created: its
    erasure tombstone on ``net.external-reader.v1`` (key: the reader id)."""

    def __init__(
        self,
        broker: KafkaBroker,
        topics: Topics,
        tenant: InstitutionCode,
        clock: Clock,
        purges: Sequence[Purge] = (),
    ) -> None:
        self._broker, self._topic = broker, topics.patron(tenant)
        self._readers = topics.external_reader
        self._headers = {"ce_tenant": tenant, "ce_source": f"/rebub/{tenant}/patron-sync"}
        self._reports = ErasureReports(broker, topics, tenant, "patron-sync", clock, purges)

    async def erased(self, account_ids: Sequence[str], request_id: str) -> None:
        await self._tombstones(
            self._topic, account_ids, {**self._headers, ERASURE_HEADER: request_id}
        )

    async def purged(self, account_ids: Sequence[str]) -> None:
        await self._tombstones(self._topic, account_ids, self._headers)

    async def reader_erased(self, reader_id: str, request_id: str) -> None:
        headers = {**self._headers, ERASURE_HEADER: request_id}
        await self._tombstones(self._readers, (reader_id,), headers)

    async def _tombstones(self, topic: str, keys: Sequence[str], headers: dict[str, str]) -> None:
        sends = [
            await self._broker.publish(
                None, topic, key=k.encode(), headers=headers, no_confirm=True
            )
            for k in keys
        ]
        await asyncio.gather(*sends)

    async def applied(self, request_id: str, accounts: int, about: Sequence[str] = ()) -> None:
        done = f"{accounts} copies removed (linked or waiting account, cards, notes, blocks)"
        await self._reports.applied(request_id, done, accounts, about)
