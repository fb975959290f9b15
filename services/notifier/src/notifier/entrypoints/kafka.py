"""Kafka subscriber: loan events, patron changes and request events of the institution, one
consumer group, each event type to its handler.

The offset is committed after the handler's write (``consumer_options``); a record that cannot
be decoded or belongs to another institution goes to the dead-letter topic (the runtime's
middleware). A waiting account merge needs nothing here: the loans' next events carry the new
patron id. Of the request events only "placed on hold shelf" matters: it sends the
hold-available letter (once per request, however often the event is delivered).
"""

from __future__ import annotations

from collections.abc import Mapping

from rebub_shared.cloudevents import Event
from rebub_shared.contracts.loans import LOAN_EVENTS, LoanEvent
from rebub_shared.contracts.patrons import ERASURE_HEADER, PatronChanged, WaitingAccountMerged
from rebub_shared.contracts.requests import REQUEST_EVENTS, RequestPlacedOnHoldShelf
from rebub_shared.service import Consumption, On, Subscriber
from rebub_shared.tenancy import InstitutionCode
from rebub_shared.topics import Topics

from ..adapters.contracts import hold_notice, loan_event, patron_contact
from ..service_layer import (
    ApplyLoanEvent,
    ApplyPatronChange,
    ForgetPatron,
    NotifierBus,
    SendHoldAvailable,
)

SERVICE = "notifier"


def institution_events(topics: Topics, inst: InstitutionCode) -> Consumption:
    """The institution's loans, patrons and requests, in one group."""
    return Consumption(
        "main",
        topics.group(inst, SERVICE),
        (topics.loan(inst), topics.patron(inst), topics.request(inst)),
        (*LOAN_EVENTS, PatronChanged, WaitingAccountMerged, *REQUEST_EVENTS),
        "Loans move in the reminder chain, patrons' contacts, holds on the shelf.",
    )


def subscriber(consumption: Consumption, bus: NotifierBus, *, fast: bool = False) -> Subscriber:
    """Each consumed event as a command on the notifier's bus."""

    async def on_loan(event: Event[LoanEvent]) -> None:
        await bus.handle(ApplyLoanEvent(loan_event(event.data, event.envelope.time)))

    async def on_patron(event: Event[PatronChanged]) -> None:
        patron = event.data.patron
        await bus.handle(ApplyPatronChange(patron_contact(patron), patron.version))

    async def on_hold_shelf(event: Event[RequestPlacedOnHoldShelf]) -> None:
        data = event.data
        notice = hold_notice(data)
        await bus.handle(SendHoldAvailable(data.request.institution, data.patron_id, notice))

    handlers = (
        On(LoanEvent, on_loan),
        On(PatronChanged, on_patron),
        On(RequestPlacedOnHoldShelf, on_hold_shelf),
    )

    async def on_gone(patron_id: str, headers: Mapping[str, str | bytes]) -> None:
        if ERASURE_HEADER in headers:  # an erasure on the patron topic; nothing else is gone
            await bus.handle(ForgetPatron(bus.ctx.institution, patron_id))

    return Subscriber(consumption, handlers, fast=fast, on_gone=on_gone)
