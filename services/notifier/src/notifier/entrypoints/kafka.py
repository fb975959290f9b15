"""Kafka subscribers: loan events, patron changes and request events of the institution, one
consumer group, each event type to its handler; and the loan-state topic (a second group), whose
open loans are kept when the store lacks them (a rebuilt database, ``rebub rebuild``).

The offset is committed after the handler's write (``consumer_options``); a record that cannot
be decoded or belongs to another institution goes to the dead-letter topic (the runtime's
middleware). A waiting account merge needs nothing here: the loans' next events carry the new
patron id. Request events send the requester's notices (hold available, hold expired, request
cancelled) and a loan's recall tells its borrower the new due date: each once per request and
kind, however often the event is delivered (the letter's key is claimed before sending).
"""

from __future__ import annotations

from collections.abc import Mapping

from rebub_shared.cloudevents import Event
from rebub_shared.contracts.loans import LOAN_EVENTS, LoanEvent, LoanRecalled, LoanState
from rebub_shared.contracts.patrons import PatronChanged, WaitingAccountMerged
from rebub_shared.contracts.requests import REQUEST_EVENTS, RequestEvent, RequestPlacedOnHoldShelf
from rebub_shared.erasure_reports import ErasureReporter, erasure_request
from rebub_shared.service import Consumption, On, Subscriber
from rebub_shared.tenancy import InstitutionCode
from rebub_shared.topics import Topics

from ..adapters.contracts import (
    hold_notice,
    loan_event,
    loan_state_event,
    patron_contact,
    recall_notice,
    request_notice,
)
from ..service_layer import (
    ApplyLoanEvent,
    ApplyPatronChange,
    ForgetPatron,
    ForgetRestoredLoan,
    NotifierBus,
    RestoreLoan,
    SendHoldAvailable,
)

SERVICE = "notifier"
#: What the notifier's confirmation of an erasure says it did (see ``ForgetPatron``).
ERASURE_DONE = (
    "contact data (name, email, postal address), letters (their attempts and keys), "
    "loans in the letter chain and reports removed"
)


def institution_events(topics: Topics, inst: InstitutionCode) -> Consumption:
    """The institution's loans, patrons and requests, in one group."""
    return Consumption(
        "main",
        topics.group(inst, SERVICE),
        (topics.loan(inst), topics.patron(inst), topics.request(inst)),
        (*LOAN_EVENTS, PatronChanged, WaitingAccountMerged, *REQUEST_EVENTS),
        "Loans move in the reminder chain, patrons' contacts, holds on the shelf.",
    )


def loan_state(topics: Topics, inst: InstitutionCode) -> Consumption:
    """The institution's open loans as they stand (compacted), for a rebuilt store."""
    return Consumption(
        "loan-state",
        topics.group(inst, SERVICE, "loan-state"),
        (topics.loan_state(inst),),
        (LoanState,),
        "Open loans as they stand: kept when the store lacks them (a rebuild).",
    )


def loan_state_subscriber(
    consumption: Consumption, bus: NotifierBus, *, fast: bool = False
) -> Subscriber:
    """A loan the loan events have not written is kept from its state; a tombstone (the loan
    closed) removes such a loan (a loan the events wrote ends with its own loan event)."""

    async def on_state(event: Event[LoanState]) -> None:
        await bus.handle(RestoreLoan(loan_state_event(event.data, event.envelope.time)))

    async def on_closed(loan_id: str, headers: Mapping[str, str | bytes]) -> None:
        await bus.handle(ForgetRestoredLoan(loan_id))

    return Subscriber(consumption, (On(LoanState, on_state),), fast=fast, on_gone=on_closed)


def subscriber(
    consumption: Consumption,
    bus: NotifierBus,
    *,
    fast: bool = False,
    reports: ErasureReporter | None = None,
) -> Subscriber:
    """Each consumed event as a command on the notifier's bus; a tombstone on the patron topic
    forgets the patron's contact data (an erasure's, confirmed through ``reports``)."""

    async def on_loan(event: Event[LoanEvent]) -> None:
        await bus.handle(ApplyLoanEvent(loan_event(event.data, event.envelope.time)))
        if isinstance(event.data, LoanRecalled):  # the borrower is told, with the new due date
            patron_id, notice = recall_notice(event.data)
            await bus.handle(SendHoldAvailable(event.data.loan.institution, patron_id, notice))

    async def on_patron(event: Event[PatronChanged]) -> None:
        patron = event.data.patron
        await bus.handle(ApplyPatronChange(patron_contact(patron), patron.version))

    async def on_hold_shelf(event: Event[RequestPlacedOnHoldShelf]) -> None:
        data = event.data
        notice = hold_notice(data)
        await bus.handle(SendHoldAvailable(data.request.institution, data.patron_id, notice))

    async def on_request(event: Event[RequestEvent]) -> None:
        found = request_notice(event.data)
        if found is not None:  # hold expired, request cancelled: the requester is told
            patron_id, notice = found
            await bus.handle(SendHoldAvailable(event.data.request.institution, patron_id, notice))

    handlers = (
        On(LoanEvent, on_loan),
        On(PatronChanged, on_patron),
        On(RequestPlacedOnHoldShelf, on_hold_shelf),  # before the other request events
        On(RequestEvent, on_request),
    )

    async def on_gone(patron_id: str, headers: Mapping[str, str | bytes]) -> None:
        # Any tombstone on the patron topic: the contact data goes; an erasure's, the letters too.
        request_id = erasure_request(headers)
        erasure = request_id is not None
        await bus.handle(ForgetPatron(bus.ctx.institution, patron_id, erasure=erasure))
        if request_id is not None and reports is not None:
            await reports.applied(request_id, ERASURE_DONE, about=(patron_id,))

    return Subscriber(consumption, handlers, fast=fast, on_gone=on_gone)
