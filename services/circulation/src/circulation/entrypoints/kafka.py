"""The projections: ``{inst}.patron.v1`` (patrons), ``net.loan-activity.v1`` (the other
institutions' loan summaries) and its own ``{inst}.circulation.loan-state.v1`` (open loans the
store lacks, after a rebuild), typed events that become commands on the bus; and the webhooks'
consumer of the institution's own loan events (``{inst}.circulation.loan.v1``).

Committed after the write (NACK_ON_ERROR); both commands are idempotent (versioned snapshots, a
merge that finds nothing left to move), so a redelivery changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from circulation.domain.vocabulary import InstitutionCode
from circulation.service_layer.commands import (
    ForgetPatron,
    MergeWaitingAccount,
    RecordPatronChange,
)
from circulation.service_layer.loan_commands import (
    ForgetRestoredLoan,
    RecordNetworkActivity,
    RestoreLoan,
)
from circulation.service_layer.messagebus import MessageBus
from circulation.service_layer.webhooks import Webhooks
from rebub_shared.cloudevents import Event
from rebub_shared.contracts.loans import LOAN_EVENTS, LoanActivitySummary, LoanEvent, LoanState
from rebub_shared.contracts.patrons import PatronChanged, WaitingAccountMerged
from rebub_shared.erasure_reports import ErasureReporter, erasure_request
from rebub_shared.service import Consumption, On, Subscriber
from rebub_shared.topics import Topics

SERVICE = "circulation"
#: What circulation's confirmation of an erasure says it did (see ``ForgetPatron``).
ERASURE_DONE = (
    "patron snapshot removed; loans (open ones too, notes dropped), requests and webhook "
    "deliveries anonymised"
)


def patrons(topics: Topics, institution: InstitutionCode) -> Consumption:
    """The institution's own patrons, for the loans' checks and the account."""
    return Consumption(
        "patrons",
        topics.group(institution, SERVICE, "patrons"),
        (topics.patron(institution),),
        (PatronChanged, WaitingAccountMerged),
        "The institution zone's patrons: a projection for the desk's checks.",
    )


def network_activity(topics: Topics, institution: InstitutionCode) -> Consumption:
    """Every institution's loan summaries (ours are ignored, others upserted by version)."""
    return Consumption(
        "network-activity",
        topics.group(institution, SERVICE, "network-activity"),
        (topics.loan_activity,),
        (LoanActivitySummary,),
        "The other institutions' loan summaries, for the network activity tab.",
    )


def loan_state(topics: Topics, institution: InstitutionCode) -> Consumption:
    """Its own open loans as they stand (compacted), read back when the store lacks them."""
    return Consumption(
        "loan-state",
        topics.group(institution, SERVICE, "loan-state"),
        (topics.loan_state(institution),),
        (LoanState,),
        "Its own open loans as they stand: written back when the store lacks them (a rebuild).",
    )


def patron_subscriber(
    consumption: Consumption,
    bus: MessageBus,
    *,
    fast: bool,
    reports: ErasureReporter | None = None,
    webhooks: Webhooks | None = None,
) -> Subscriber:
    """Patron changes and waiting account merges into the institution's projection; an
    erasure's tombstone, applied (the webhooks' deliveries anonymised too), is confirmed on
    ``net.erasure.v1`` (``reports``)."""
    institution = bus.ctx.institution

    async def on_changed(event: Event[PatronChanged]) -> None:
        await bus.handle(RecordPatronChange(institution=institution, patron=event.data.patron))

    async def on_merged(event: Event[WaitingAccountMerged]) -> None:
        merged = event.data
        await bus.handle(
            MergeWaitingAccount(
                institution=merged.institution,
                waiting_id=merged.waiting_id,
                primary_id=merged.primary_id,
            )
        )

    async def on_gone(patron_id: str, headers: Mapping[str, str | bytes]) -> None:
        # Any tombstone: the snapshot goes; an erasure's also anonymises loans and requests (a
        # merged waiting account's tombstone must not: its loans moved to the merged patron).
        request_id = erasure_request(headers)
        erasure = request_id is not None
        await bus.handle(
            ForgetPatron(institution=institution, patron_id=patron_id, erasure=erasure)
        )
        if erasure and webhooks is not None:
            await webhooks.forget_patron(patron_id)
        if request_id is not None and reports is not None:
            await reports.applied(request_id, ERASURE_DONE, about=(patron_id,))

    handlers = (On(PatronChanged, on_changed), On(WaitingAccountMerged, on_merged))
    return Subscriber(consumption, handlers, fast=fast, on_gone=on_gone)


def activity_subscriber(consumption: Consumption, bus: MessageBus, *, fast: bool) -> Subscriber:
    """The network's loan summaries into the network activity projection."""

    async def on_summary(event: Event[LoanActivitySummary]) -> None:
        institution = bus.ctx.institution
        await bus.handle(RecordNetworkActivity(institution=institution, summary=event.data))

    return Subscriber(consumption, (On(LoanActivitySummary, on_summary),), fast=fast)


def loan_webhooks(topics: Topics, institution: InstitutionCode) -> Consumption:
    """The institution's own loan events, queued for its webhook listeners."""
    return Consumption(
        "webhooks",
        topics.group(institution, SERVICE, "webhooks"),
        (topics.loan(institution),),
        LOAN_EVENTS,
        "The institution's loan events, queued for its registered webhook listeners "
        "(Alma's LOAN webhooks or CloudEvents JSON).",
    )


def webhook_subscriber(consumption: Consumption, webhooks: Webhooks, *, fast: bool) -> Subscriber:
    """Each loan event into the queue of every listener that selected it (idempotent on the
    event id: a record read again is not queued twice)."""

    async def on_loan_event(event: Event[LoanEvent]) -> None:
        await webhooks.on_event(event)

    return Subscriber(consumption, (On(LoanEvent, on_loan_event),), fast=fast)


def loan_state_subscriber(
    consumption: Consumption,
    bus: MessageBus,
    *,
    fast: bool,
    ours: Callable[[str], bool] = lambda _event_id: False,
) -> Subscriber:
    """Loan states into the store when it lacks the loan; a tombstone removes a restored loan
    that closed since (a loan the service wrote itself is never touched). A state this process
    published lately (``ours``: its loans' relay knows), a state or a tombstone, is skipped
    without reading the store: its loan was written before it was published."""
    institution = bus.ctx.institution

    async def on_state(event: Event[LoanState]) -> None:
        if ours(event.envelope.id):
            return
        await bus.handle(RestoreLoan(institution=institution, loan=event.data.loan))

    async def on_closed(loan_id: str, headers: Mapping[str, str | bytes]) -> None:
        event_id = headers.get("ce_id", b"")
        if ours(event_id.decode() if isinstance(event_id, bytes) else event_id):
            return
        await bus.handle(ForgetRestoredLoan(institution=institution, loan_id=loan_id))

    return Subscriber(consumption, (On(LoanState, on_state),), fast=fast, on_gone=on_closed)
