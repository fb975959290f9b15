"""Wiring one patron-sync instance: the network zone (imports) or one institution zone."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from patron_sync.adapters.mongo_iz import PATRONS, MongoIzUnitOfWork, ensure_iz_indexes
from patron_sync.adapters.mongo_nz import MongoNzAccounts
from patron_sync.adapters.publishing import KafkaNzPublisher
from patron_sync.domain.absence import AbsencePolicy
from patron_sync.domain.import_report import ImportReport
from patron_sync.domain.institutions import Institution
from patron_sync.service_layer import registry
from patron_sync.service_layer.commands import ImportFeed
from patron_sync.service_layer.network import ImportOptions, import_feed
from patron_sync.service_layer.unit_of_work import NzUnitOfWork
from patron_sync.settings import SERVICE, PatronSyncSettings
from rebub_shared.clock import Clock
from rebub_shared.outbox import OutboxRelay
from rebub_shared.runtime import Runtime, build_runtime, running
from rebub_shared.tenancy import NETWORK
from rebub_shared.topic_table import TopicSpec, topic_spec


@dataclass
class PatronSync:
    """One running instance's collaborators and its command entry points."""

    settings: PatronSyncSettings
    runtime: Runtime
    relay: OutboxRelay | None = None
    import_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def is_network(self) -> bool:
        return self.settings.tenant == NETWORK

    @property
    def institution(self) -> Institution:
        return Institution(self.settings.tenant)

    def iz_uow(self) -> MongoIzUnitOfWork:
        rt = self.runtime
        return MongoIzUnitOfWork(self.institution, rt.db, rt.topics, rt.clock, self.relay)

    async def handle(self, command: object) -> Any:
        """Run an institution zone command (see :mod:`patron_sync.service_layer.registry`)."""
        return await registry.handle(command, self.iz_uow, self.runtime.clock.now)

    async def import_feed(self, command: ImportFeed) -> ImportReport:
        """Run one DSI import (one at a time per network instance)."""
        s, rt = self.settings, self.runtime
        options = ImportOptions(
            batch_size=s.import_batch_size,
            full_feed_min_ratio=s.full_feed_min_ratio,
            absence=AbsencePolicy(expire_after_days=s.absent_expire_after_days),
            purge_after_days=s.absent_purge_after_days,
        )
        uow = NzUnitOfWork(MongoNzAccounts(rt.db), KafkaNzPublisher(rt.broker, rt.topics, rt.clock))
        async with self.import_lock:
            return await import_feed(command, uow, rt.clock.now(), options)


def topic_specs(runtime: Runtime) -> list[TopicSpec]:
    """Topics this instance publishes to (created locally; the cluster owns them elsewhere)."""
    t, tenant = runtime.topics, runtime.settings.tenant
    if tenant == NETWORK:
        return [topic_spec(t.nz_patron, t)]
    return [topic_spec(n, t) for n in (t.nz_patron, t.external_reader, t.patron(tenant))]


def build(settings: PatronSyncSettings, clock: Clock | None = None) -> PatronSync:
    """Wire an instance without I/O; consumers are registered for an institution zone."""
    from patron_sync.entrypoints.kafka import register_consumers

    service = PatronSync(settings, build_runtime(settings, SERVICE, clock))
    if not service.is_network:
        register_consumers(service)
    return service


async def _start(service: PatronSync) -> None:
    db = service.runtime.db
    if service.is_network:
        await MongoNzAccounts(db).ensure_indexes()
        return
    await ensure_iz_indexes(db)
    service.relay = service.runtime.outbox_relay(PATRONS)
    await service.relay.ensure_index()


@asynccontextmanager
async def started(service: PatronSync) -> AsyncIterator[PatronSync]:
    """Open the store, prepare indexes and topics, start consuming and relaying."""

    async def on_start(_: Runtime) -> None:
        await _start(service)

    async def on_stop(_: Runtime) -> None:
        if service.relay is not None:
            await service.relay.stop()

    topics = topic_specs(service.runtime)
    async with running(service.runtime, topics=topics, on_start=on_start, on_stop=on_stop):
        if service.relay is not None:
            service.relay.start()
        yield service
