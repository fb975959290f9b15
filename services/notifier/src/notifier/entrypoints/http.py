"""The notifier's HTTP API and process lifespan (store, broker, outbox relay, scheduler)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request

from rebub_shared import bounds
from rebub_shared.auth.guard import install_auth, requires
from rebub_shared.clock import Clock
from rebub_shared.http import Problem, install_error_contract, ops_router
from rebub_shared.outbox import OutboxRelay
from rebub_shared.permissions import Permission as P
from rebub_shared.runtime import Runtime, TopicSpec, build_runtime, running

from ..adapters.mongo_store import MongoStore
from ..bootstrap import bootstrap
from ..domain import NotifierDomainError, UnreachablePatronError
from ..service_layer import (
    Notifier,
    UnknownLoanError,
    UnknownPatronError,
    recover_in_flight,
    run_daily_pass,
    send_activity_report,
    send_loan_receipt,
)
from ..settings import NotifierSettings
from .kafka import subscribe
from .scheduler import Scheduler
from .views import LetterView, PassView, ReportView

SERVICE = "notifier"
#: The same key sends a letter once (a desk's request id, a UUID...).
IdempotencyKey = Annotated[bounds.Identifier | None, Header()]


@dataclass
class Running:
    """What exists while the app runs (the store needs the database the lifespan opens)."""

    notifier: Notifier | None = None
    relay: OutboxRelay | None = None


def notifier_of(request: Request) -> Notifier:
    """The running notifier of the app serving `request`."""
    current: Running = request.app.state.running
    assert current.notifier is not None  # requests are served inside the lifespan
    return current.notifier


def create_app(settings: NotifierSettings, clock: Clock | None = None) -> FastAPI:
    """The notifier of one institution; `clock` (a MovableClock in tests) replaces the system's."""
    runtime = build_runtime(settings, SERVICE, clock)
    current = Running()

    def the_notifier() -> Notifier:
        assert current.notifier is not None  # the broker starts after on_start
        return current.notifier

    subscribe(runtime, the_notifier, fast=settings.fast_consumers)

    async def on_start(rt: Runtime) -> None:
        store = MongoStore(rt.db, settings.institution_code)
        await store.prepare()
        relay = rt.outbox_relay("letters")
        await relay.ensure_index()

        async def relay_letter(letter_id: str, written: Mapping[str, Any] | None = None) -> None:
            await relay.relay_soon(letter_id, written)

        current.relay = relay
        current.notifier = bootstrap(settings, clock=rt.clock, store=store, after_sent=relay_letter)

    async def on_stop(rt: Runtime) -> None:
        if current.relay is not None:
            await current.relay.stop()

    inst = settings.institution_code
    topics = [
        TopicSpec(runtime.topics.letter(inst)),
        TopicSpec(runtime.topics.loan(inst)),
        TopicSpec(runtime.topics.patron(inst)),
        TopicSpec(runtime.topics.request(inst)),
    ]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(runtime, topics=topics, on_start=on_start, on_stop=on_stop):
            notifier = the_notifier()
            await recover_in_flight(notifier)  # before any pass: settle what a crash left
            assert current.relay is not None
            current.relay.start()
            scheduler = Scheduler(notifier, settings.scheduler_interval_s)
            if settings.scheduler_enabled:
                scheduler.start()
            try:
                yield
            finally:
                await scheduler.stop()

    app = FastAPI(title=f"rebub notifier ({inst})", lifespan=lifespan)
    app.state.running = current
    app.state.runtime = runtime
    install_auth(app, settings.auth, inst)  # refuses to start without an issuer
    install_error_contract(
        app,
        {
            UnknownPatronError: 404,
            UnknownLoanError: 404,
            UnreachablePatronError: 422,
            NotifierDomainError: 422,
        },
    )
    app.include_router(
        ops_router(
            ready=runtime.ready,
            clock=runtime.clock,
            dev_clock=settings.dev_clock_enabled,
            metrics=runtime.metrics,
            open_metrics=settings.auth.open_metrics,
        )
    )
    _routes(app, dev=settings.dev_clock_enabled)
    return app


def _routes(app: FastAPI, *, dev: bool) -> None:
    reader = [requires(P.LETTERS_READ)]
    sender = [requires(P.LETTERS_SEND)]

    @app.get("/letters", dependencies=reader)
    async def letters(
        request: Request,
        patron_id: bounds.Identifier | None = None,
        loan_id: bounds.Identifier | None = None,
    ) -> list[LetterView]:
        """The letters of a patron or of a loan, every state included."""
        if patron_id is None and loan_id is None:
            raise Problem(422, "Invalid request", "give patron_id or loan_id", field="patron_id")
        records = await notifier_of(request).store.find_letters(patron_id, loan_id)
        return [LetterView.of(record) for record in records]

    @app.get("/reports", dependencies=reader)
    async def reports(request: Request) -> list[ReportView]:
        """Cases for staff: unreachable patrons, changed channels, letters that may have left."""
        return [ReportView.of(r) for r in await notifier_of(request).store.reports()]

    @app.post("/patrons/{patron_id}/activity-report", status_code=201, dependencies=sender)
    async def activity_report(
        request: Request, patron_id: str, idempotency_key: IdempotencyKey = None
    ) -> LetterView:
        """Email the patron's current loans; the same Idempotency-Key sends it once."""
        request_id = idempotency_key or uuid.uuid4().hex
        record = await send_activity_report(notifier_of(request), patron_id, request_id)
        return LetterView.of(record)

    @app.post("/loans/{loan_id}/receipt", status_code=201, dependencies=sender)
    async def receipt(
        request: Request, loan_id: str, idempotency_key: IdempotencyKey = None
    ) -> LetterView:
        """Email the receipt of a loan; the same Idempotency-Key sends it once."""
        request_id = idempotency_key or uuid.uuid4().hex
        return LetterView.of(await send_loan_receipt(notifier_of(request), loan_id, request_id))

    if dev:

        @app.post("/_dev/scheduler/run", dependencies=[requires(P.DEV_OPERATE)])
        async def run_now(request: Request) -> PassView:
            """Run the daily pass now, at the (development) clock's time."""
            notifier = notifier_of(request)
            return PassView.of(await run_daily_pass(notifier, notifier.clock.now()))
