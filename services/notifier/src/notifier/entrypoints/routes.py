"""The notifier's HTTP routes: letters and reports for staff, letters on request, and outside
production a daily pass on demand (the app is ``create_app`` in :mod:`notifier.entrypoints.http`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request

from rebub_shared import bounds
from rebub_shared.auth.guard import requires
from rebub_shared.http import Problem
from rebub_shared.permissions import Permission as P

from ..domain import NotifierDomainError, UnreachablePatronError
from ..service_layer import (
    FindLetters,
    ListReports,
    NotifierBus,
    PlanDay,
    RunDailyPass,
    SendActivityReport,
    SendLoanReceipt,
    UnknownLoanError,
    UnknownPatronError,
)
from .views import LetterView, PassView, PlanView, ReportView

#: The same key sends a letter once (a desk's request id, a UUID...).
IdempotencyKey = Annotated[bounds.Identifier | None, Header()]

#: Named errors and their HTTP statuses.
STATUSES: dict[type[Exception], int] = {
    UnknownPatronError: 404,
    UnknownLoanError: 404,
    UnreachablePatronError: 422,
    NotifierDomainError: 422,
}


def bus_of(request: Request) -> NotifierBus:
    """The notifier's bus of the app serving ``request``."""
    bus: NotifierBus = request.app.state.bus
    return bus


def router(*, dev: bool) -> APIRouter:
    """The letters, the reports, the letters on request and, outside production, a pass now."""
    routes = APIRouter()
    reader = [requires(P.LETTERS_READ)]
    sender = [requires(P.LETTERS_SEND)]

    @routes.get("/letters", dependencies=reader)
    async def letters(
        request: Request,
        patron_id: bounds.Identifier | None = None,
        loan_id: bounds.Identifier | None = None,
    ) -> list[LetterView]:
        """The letters of a patron or of a loan, every state included."""
        if patron_id is None and loan_id is None:
            raise Problem(422, "Invalid request", "give patron_id or loan_id", field="patron_id")
        records = await bus_of(request).handle(FindLetters(patron_id, loan_id))
        return [LetterView.of(record) for record in records]

    @routes.get("/letters/plan", dependencies=[requires(P.LETTERS_PLAN)])
    async def plan(request: Request, day: bounds.Day) -> PlanView:
        """What the daily pass of ``day`` would send, per stage and patron, without recording or
        sending anything (allowed in production: tomorrow's letters, checked the day before)."""
        due = (await bus_of(request).handle(PlanDay(day, record=False))).due
        return PlanView.of(day, due)

    @routes.get("/reports", dependencies=reader)
    async def reports(request: Request) -> list[ReportView]:
        """Cases for staff: unreachable patrons, changed channels, letters that may have left."""
        return [ReportView.of(r) for r in await bus_of(request).handle(ListReports())]

    @routes.post("/patrons/{patron_id}/activity-report", status_code=201, dependencies=sender)
    async def activity_report(
        request: Request, patron_id: str, idempotency_key: IdempotencyKey = None
    ) -> LetterView:
        """Email the patron's current loans; the same Idempotency-Key sends it once."""
        request_id = idempotency_key or uuid.uuid4().hex
        record = await bus_of(request).handle(SendActivityReport(patron_id, request_id))
        return LetterView.of(record)

    @routes.post("/loans/{loan_id}/receipt", status_code=201, dependencies=sender)
    async def receipt(
        request: Request, loan_id: str, idempotency_key: IdempotencyKey = None
    ) -> LetterView:
        """Email the receipt of a loan; the same Idempotency-Key sends it once."""
        request_id = idempotency_key or uuid.uuid4().hex
        record = await bus_of(request).handle(SendLoanReceipt(loan_id, request_id))
        return LetterView.of(record)

    if dev:

        @routes.post("/_dev/scheduler/run", dependencies=[requires(P.DEV_OPERATE)])
        async def run_now(request: Request) -> PassView:
            """Run the daily pass now, at the (development) clock's time."""
            bus = bus_of(request)
            return PassView.of(await bus.handle(RunDailyPass(bus.ctx.clock.now())))

    return routes
