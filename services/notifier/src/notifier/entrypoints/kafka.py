"""Kafka subscriber: loan events, patron changes and request events of the institution, one
consumer group.

The offset is committed after the handler's write (``consumer_options``); a record that cannot
be decoded or belongs to another institution goes to the dead-letter topic (the runtime's
middleware). A waiting account merge needs nothing here: the loans' next events carry the new
patron id. Of the request events only "placed on hold shelf" matters: it sends the
hold-available letter (once per request, however often the event is delivered).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faststream.kafka import KafkaMessage

from rebub_shared.cloudevents import EventRegistry
from rebub_shared.contracts.loans import LOAN_EVENTS, LoanEvent
from rebub_shared.contracts.patrons import PatronChanged, WaitingAccountMerged
from rebub_shared.contracts.requests import REQUEST_EVENTS, RequestPlacedOnHoldShelf
from rebub_shared.messaging import consumer_options
from rebub_shared.runtime import Runtime

from ..adapters.contracts import hold_notice, loan_event, patron_contact
from ..service_layer import (
    Notifier,
    apply_loan_event,
    apply_patron_change,
    send_hold_available,
)

REGISTRY = EventRegistry(*LOAN_EVENTS, PatronChanged, WaitingAccountMerged, *REQUEST_EVENTS)


def subscribe(runtime: Runtime, notifier: Callable[[], Notifier], *, fast: bool = False) -> None:
    """Subscribe to the loan, patron and request topics of the runtime's institution (before it starts)."""
    inst = runtime.tenant
    topics = runtime.topics

    @runtime.broker.subscriber(
        topics.loan(inst),
        topics.patron(inst),
        topics.request(inst),
        group_id=topics.group(inst, "notifier"),
        **consumer_options(fast=fast),
    )
    async def on_record(body: Any, msg: KafkaMessage) -> None:
        event = REGISTRY.decode(msg.headers, body)
        data = event.data
        if isinstance(data, LoanEvent):
            await apply_loan_event(notifier().store, loan_event(data, event.envelope.time))
        elif isinstance(data, PatronChanged):
            await apply_patron_change(
                notifier().store, patron_contact(data.patron), data.patron.version
            )
        elif isinstance(data, RequestPlacedOnHoldShelf):
            hold = hold_notice(data)
            await send_hold_available(notifier(), data.request.institution, data.patron_id, hold)
