"""One running patron-sync instance as its entrypoints see it: its settings and runtime, and
its command entries (the institution zone's commands, the network zone's import)."""

import asyncio
from dataclasses import dataclass, field

from patron_sync.adapters.feeds.feed import DsiFeedReader
from patron_sync.adapters.mongo_erasures import MongoErasures
from patron_sync.adapters.mongo_history import MongoImportHistory
from patron_sync.adapters.mongo_iz import MongoIzUnitOfWork
from patron_sync.adapters.mongo_nz import MongoNzAccounts
from patron_sync.adapters.network_accounts import TopicNetworkAccounts
from patron_sync.adapters.publishing import KafkaDepartures, KafkaNzPublisher
from patron_sync.domain.absence import AbsencePolicy
from patron_sync.domain.import_report import ImportReport
from patron_sync.service_layer.commands import ImportFeed
from patron_sync.service_layer.context import Context, ImportOptions, NetworkContext
from patron_sync.service_layer.registry import InstitutionBus, network_bus
from patron_sync.service_layer.unit_of_work import NzUnitOfWork
from patron_sync.settings import PatronSyncSettings
from rebub_shared.audit import AuditPurge
from rebub_shared.compacted import CompactedReader
from rebub_shared.dead_letter_purge import DeadLetterPurge
from rebub_shared.messagebus import Command, MessageBus, R
from rebub_shared.outbox import OutboxRelay
from rebub_shared.parking import ParkedPurge
from rebub_shared.runtime import Runtime
from rebub_shared.tenancy import NETWORK, InstitutionCode


@dataclass
class PatronSync:
    """One instance's collaborators; ``relay`` is the institution zone's patrons outbox (the
    network zone publishes its imports directly and has none); ``bus`` runs the institution
    zone's commands, ``network`` the network zone's."""

    settings: PatronSyncSettings
    runtime: Runtime
    relay: OutboxRelay | None
    import_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    nz_reader: CompactedReader = field(init=False)  # linking reads nz.patron.v1 through it
    bus: InstitutionBus = field(init=False)
    network: MessageBus[NzUnitOfWork, NetworkContext] = field(init=False)

    def __post_init__(self) -> None:
        s, clock = self.settings, self.runtime.clock
        self.nz_reader = CompactedReader(
            s.kafka, self.runtime.topics, self.runtime.topics.nz_patron
        )
        self.bus = InstitutionBus(self.iz_uow, Context(clock.now))
        options = ImportOptions(
            batch_size=s.import_batch_size,
            full_feed_min_ratio=s.full_feed_min_ratio,
            absence=AbsencePolicy(expire_after_days=s.absent_expire_after.days),
            purge_after=s.absent_purge_after,
        )
        self.network = network_bus(self.nz_uow, NetworkContext(clock.now, options))

    @property
    def is_network(self) -> bool:
        return self.settings.tenant == NETWORK

    @property
    def institution(self) -> InstitutionCode:
        return self.settings.tenant

    def iz_uow(self) -> MongoIzUnitOfWork:
        rt = self.runtime
        network = TopicNetworkAccounts(self.nz_reader, rt.clock)
        purges = (
            DeadLetterPurge(self.settings.kafka, rt.topics, self.institution, rt.broker),
            ParkedPurge(rt.db),
            AuditPurge(rt.db),
        )
        departures = KafkaDepartures(rt.broker, rt.topics, self.institution, rt.clock, purges)
        return MongoIzUnitOfWork(
            self.institution, rt.db, rt.topics, rt.clock, self.relay, network, departures
        )

    def nz_uow(self) -> NzUnitOfWork:
        rt = self.runtime
        return NzUnitOfWork(
            MongoNzAccounts(rt.db),
            KafkaNzPublisher(rt.broker, rt.topics, rt.clock),
            DsiFeedReader(),
            self.history,
        )

    @property
    def erasures(self) -> MongoErasures:
        """The network zone's erasure requests and their confirmations (its own database)."""
        return MongoErasures(self.runtime.db)

    @property
    def history(self) -> MongoImportHistory:
        """The network zone's import history (its own database)."""
        return MongoImportHistory(self.runtime.db)

    async def handle(self, command: Command[R]) -> R:
        """Run an institution zone command (see :mod:`patron_sync.service_layer.registry`)."""
        return await self.bus.handle(command)

    async def import_feed(self, command: ImportFeed) -> ImportReport:
        """Run one DSI import (one at a time per network instance)."""
        async with self.import_lock:
            return await self.network.handle(command)
