"""The circulation app: ``create_app(settings, clock=None)``; its lifespan opens the store, ensures
topics and indexes, loads the items file, starts the patron consumer and the outbox relay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from circulation.adapters.item_files import read_item_file
from circulation.adapters.mongo_uow import LOANS, MongoUnitOfWork, ensure_indexes
from circulation.bootstrap import bootstrap
from circulation.domain import load_institution_policy
from circulation.service_layer.commands import LoadItems
from circulation.settings import CirculationSettings
from rebub_shared.clock import Clock
from rebub_shared.http import ops_router
from rebub_shared.logging import get_logger
from rebub_shared.outbox import OutboxRelay
from rebub_shared.runtime import Runtime, TopicSpec, build_runtime, running
from rebub_shared.tenancy import institution

from . import problems
from .desk_routes import router as desk_router
from .kafka import subscribe_patrons

SERVICE = "circulation"
log = get_logger(__name__)


class LoanRelay:
    """The loans' outbox relay, created once the database is open."""

    def __init__(self) -> None:
        self.outbox: OutboxRelay | None = None

    async def __call__(self, loan_id: str) -> int:
        return await self.outbox.relay(loan_id) if self.outbox else 0


def create_app(settings: CirculationSettings, clock: Clock | None = None) -> FastAPI:
    """One institution's circulation service (no I/O until the lifespan starts)."""
    inst = institution(settings.tenant, "tenant").code
    policy = load_institution_policy(inst, settings.policies_dir)
    runtime = build_runtime(settings, SERVICE, clock)
    relay = LoanRelay()
    bus = bootstrap(
        institution=inst,
        policy=policy,
        clock=runtime.clock,
        uow_factory=lambda: MongoUnitOfWork(runtime.db, runtime.topics),
        relay=relay if settings.relay_enabled else None,
    )
    if settings.consume_patrons:
        subscribe_patrons(runtime, bus, inst, fast=settings.fast_consumers)

    async def prepare(runtime: Runtime) -> None:
        await ensure_indexes(runtime.db)
        relay.outbox = OutboxRelay(
            runtime.db[LOANS], runtime.broker, interval_s=settings.relay_interval_s
        )
        await relay.outbox.ensure_index()
        if settings.items_file is not None:
            records = tuple(read_item_file(settings.items_file))
            loaded = await bus.handle(LoadItems(institution=inst, items=records))
            log.info("items_loaded", file=str(settings.items_file), loaded=loaded.loaded)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        topics = [TopicSpec(runtime.topics.loan(inst)), TopicSpec(runtime.topics.patron(inst))]
        async with running(runtime, topics=topics, on_start=prepare):
            if settings.relay_enabled and relay.outbox is not None:
                relay.outbox.start()  # what a crash left unpublished, and any deferred relay
            try:
                yield
            finally:
                if relay.outbox is not None:
                    await relay.outbox.stop()

    app = FastAPI(
        title=f"rebub circulation ({inst})",
        summary="Circulation desk API: loans, renewals, due dates, returns, blocks.",
        lifespan=lifespan,
    )
    app.state.bus = bus
    app.state.runtime = runtime
    problems.install(app)
    app.include_router(desk_router)
    app.include_router(
        ops_router(ready=runtime.ready, clock=runtime.clock, dev_clock=settings.dev_clock_enabled)
    )
    return app
