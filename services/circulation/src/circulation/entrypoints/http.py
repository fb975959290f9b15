"""The circulation app: ``create_app(settings, clock=None)``; its lifespan opens the store, ensures
topics and indexes, loads the items file, starts the consumers (patrons, network activity), the
outbox relays (loans, requests) and the job loop (aged to lost, retention)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from circulation.adapters.item_files import read_item_file
from circulation.adapters.mongo_uow import LOANS, REQUESTS, MongoUnitOfWork, ensure_indexes
from circulation.bootstrap import bootstrap
from circulation.domain import load_institution_policy
from circulation.service_layer.commands import LoadItems
from circulation.settings import CirculationSettings
from rebub_shared.audit import AuditLog, audit_router
from rebub_shared.auth.guard import install_auth
from rebub_shared.clock import Clock
from rebub_shared.http import ops_router
from rebub_shared.logging import get_logger
from rebub_shared.outbox import OutboxRelay
from rebub_shared.runtime import Runtime, TopicSpec, build_runtime, running
from rebub_shared.tenancy import institution

from . import problems
from .account_routes import router as account_router
from .desk_routes import router as desk_router
from .jobs import JobLoop
from .jobs import dev_router as jobs_dev_router
from .kafka import subscribe_network_activity, subscribe_patrons
from .loan_routes import router as loan_router
from .request_routes import router as request_router

SERVICE = "circulation"
log = get_logger(__name__)


class DocumentRelay:
    """One collection's outbox relay (loans, requests), created once the database is open."""

    def __init__(self, collection: str) -> None:
        self.collection = collection
        self.outbox: OutboxRelay | None = None

    async def __call__(self, document_id: str, written: Mapping[str, Any] | None = None) -> int:
        return await self.outbox.relay_soon(document_id, written) if self.outbox else 0

    def later(self, document_ids: Iterable[str]) -> None:
        if self.outbox:
            self.outbox.later(document_ids)


def create_app(settings: CirculationSettings, clock: Clock | None = None) -> FastAPI:
    """One institution's circulation service (no I/O until the lifespan starts)."""
    inst = institution(settings.tenant, "tenant").code
    policy = load_institution_policy(inst, settings.policies_dir)
    runtime = build_runtime(settings, SERVICE, clock)
    relays = [DocumentRelay(LOANS), DocumentRelay(REQUESTS)]
    bus = bootstrap(
        institution=inst,
        policy=policy,
        clock=runtime.clock,
        uow_factory=lambda: MongoUnitOfWork(runtime.db, runtime.topics),
        relay=relays[0] if settings.relay_enabled else None,
        request_relay=relays[1] if settings.relay_enabled else None,
    )
    if settings.consume_patrons:
        subscribe_patrons(runtime, bus, inst, fast=settings.fast_consumers)
    if settings.consume_network_activity:
        subscribe_network_activity(runtime, bus, inst, fast=settings.fast_consumers)
    jobs = JobLoop(bus, settings.jobs_interval_s)

    audit = AuditLog(runtime)

    async def prepare(runtime: Runtime) -> None:
        await ensure_indexes(runtime.db)
        await audit.ensure_index()
        for relay in relays:
            relay.outbox = runtime.outbox_relay(
                relay.collection, interval_s=settings.relay_interval_s
            )
            await relay.outbox.ensure_index()
        if settings.items_file is not None:
            records = tuple(read_item_file(settings.items_file))
            loaded = await bus.handle(LoadItems(institution=inst, items=records))
            log.info("items_loaded", file=str(settings.items_file), loaded=loaded.loaded)

    t = runtime.topics

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        names = (t.loan(inst), t.patron(inst), t.request(inst), t.loan_activity)
        async with running(runtime, topics=[TopicSpec(n) for n in names], on_start=prepare):
            for relay in relays:
                if settings.relay_enabled and relay.outbox is not None:
                    relay.outbox.start()  # what a crash left unpublished, and any deferred relay
            if settings.jobs_enabled:
                jobs.start()
            try:
                yield
            finally:
                await jobs.stop()
                for relay in relays:
                    if relay.outbox is not None:
                        await relay.outbox.stop()

    app = FastAPI(
        title=f"rebub circulation ({inst})",
        summary="Circulation desk API: loans, renewals, due dates, returns, requests, blocks, "
        "the patron account, network activity, rule explanations.",
        lifespan=lifespan,
    )
    app.state.bus = bus
    app.state.runtime = runtime
    app.state.audit = audit
    install_auth(app, settings.auth, inst)  # refuses to start without an issuer
    problems.install(app)
    for router in (desk_router, request_router, loan_router, account_router, audit_router()):
        app.include_router(router)
    if settings.dev_clock_enabled:  # the jobs on demand, like the clock: never in production
        app.include_router(jobs_dev_router)
    app.include_router(
        ops_router(
            ready=runtime.ready,
            clock=runtime.clock,
            dev_clock=settings.dev_clock_enabled,
            metrics=runtime.metrics,
            open_metrics=settings.auth.open_metrics,
        )
    )
    return app
