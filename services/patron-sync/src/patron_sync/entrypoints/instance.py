"""One running patron-sync instance as its entrypoints see it: its settings and runtime, and
its command entries (the institution zone's commands, the network zone's import)."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from patron_sync.adapters.mongo_iz import MongoIzUnitOfWork
from patron_sync.adapters.mongo_nz import MongoNzAccounts
from patron_sync.adapters.publishing import KafkaNzPublisher
from patron_sync.domain.absence import AbsencePolicy
from patron_sync.domain.import_report import ImportReport
from patron_sync.domain.institutions import Institution
from patron_sync.service_layer import registry
from patron_sync.service_layer.commands import ImportFeed
from patron_sync.service_layer.network import ImportOptions, import_feed
from patron_sync.service_layer.unit_of_work import NzUnitOfWork
from patron_sync.settings import PatronSyncSettings
from rebub_shared.outbox import OutboxRelay
from rebub_shared.runtime import Runtime
from rebub_shared.tenancy import NETWORK


@dataclass
class PatronSync:
    """One instance's collaborators; ``relay`` is the institution zone's patrons outbox (the
    network zone publishes its imports directly and has none)."""

    settings: PatronSyncSettings
    runtime: Runtime
    relay: OutboxRelay | None
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
