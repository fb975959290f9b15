"""The projections: ``{inst}.patron.v1`` (patrons) and ``net.loan-activity.v1`` (the other
institutions' loan summaries) events become commands on the bus.

Committed after the write (NACK_ON_ERROR); both commands are idempotent (versioned snapshots, a
merge that finds nothing left to move), so a redelivery changes nothing.
"""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaMessage

from circulation.domain.vocabulary import InstitutionCode
from circulation.service_layer.commands import Command, MergeWaitingAccount, RecordPatronChange
from circulation.service_layer.loan_commands import RecordNetworkActivity
from circulation.service_layer.messagebus import MessageBus
from rebub_shared.cloudevents import EventPayload, EventRegistry
from rebub_shared.contracts.loans import LoanActivitySummary
from rebub_shared.contracts.patrons import PatronChanged, WaitingAccountMerged
from rebub_shared.messaging import consumer_options
from rebub_shared.runtime import Runtime

PATRON_EVENTS = EventRegistry(PatronChanged, WaitingAccountMerged)
ACTIVITY_EVENTS = EventRegistry(LoanActivitySummary)


def patron_command(institution: InstitutionCode, data: EventPayload) -> Command:
    """The command a patron event asks for."""
    if isinstance(data, WaitingAccountMerged):
        return MergeWaitingAccount(
            institution=data.institution, waiting_id=data.waiting_id, primary_id=data.primary_id
        )
    assert isinstance(data, PatronChanged)  # the registry decodes nothing else
    return RecordPatronChange(institution=institution, patron=data.patron)


def subscribe_patrons(
    runtime: Runtime, bus: MessageBus, institution: InstitutionCode, *, fast: bool
) -> None:
    """Consume the institution's patron topic into the projection (before the broker starts)."""
    topics = runtime.topics

    @runtime.broker.subscriber(  # type: ignore[misc]
        topics.patron(institution),
        group_id=topics.group(institution, "circulation", "patrons"),
        **consumer_options(fast=fast),
    )
    async def on_patron_event(body: Any, msg: KafkaMessage) -> None:
        event = PATRON_EVENTS.decode(msg.headers, body)
        await bus.handle(patron_command(institution, event.data))


def subscribe_network_activity(
    runtime: Runtime, bus: MessageBus, institution: InstitutionCode, *, fast: bool
) -> None:
    """Consume every institution's loan summaries; ours are ignored, others upserted by version."""
    topics = runtime.topics

    @runtime.broker.subscriber(  # type: ignore[misc]
        topics.loan_activity,
        group_id=topics.group(institution, "circulation", "network-activity"),
        **consumer_options(fast=fast),
    )
    async def on_loan_activity(body: Any, msg: KafkaMessage) -> None:
        event = ACTIVITY_EVENTS.decode(msg.headers, body)
        assert isinstance(event.data, LoanActivitySummary)  # the registry decodes nothing else
        await bus.handle(RecordNetworkActivity(institution=institution, summary=event.data))
