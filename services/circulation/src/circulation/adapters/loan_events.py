"""The domain's loan events as the published contract (``rebub_shared.contracts.loans``).

Each event carries the loan after the change (``LoanSnapshot``) at the event's loan version. The
CloudEvents id is the domain's ``{loan_id}:{version}``, so a relayed-again event is the same event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from circulation.domain import OverrideRecord
from circulation.domain import events as domain
from circulation.service_layer.ports import StoredLoan
from rebub_shared.cloudevents import Event, new_event
from rebub_shared.contracts import loans as contract
from rebub_shared.outbox import outbox_set, outbox_tombstone
from rebub_shared.topics import Topics


class At:
    """A clock stopped at the instant the event occurred (the envelope's ``time``)."""

    def __init__(self, instant: datetime) -> None:
        self._instant = instant

    def now(self) -> datetime:
        return self._instant


def circulation_source(institution: str) -> str:
    """The CloudEvents ``source`` of what an institution's circulation publishes."""
    return f"/rebub/{institution}/circulation"


def circulation_event(
    payload: Any, institution: str, subject: str, occurred_at: datetime, event_id: str
) -> Event[Any]:
    """The envelope of an event circulation publishes: its source and tenant the institution's
    circulation, its ``time`` the instant it occurred (not when the relay sends it)."""
    return new_event(
        payload,
        source=circulation_source(institution),
        tenant=institution,
        subject=subject,
        clock=At(occurred_at),
        event_id=event_id,
    )


def snapshot(stored: StoredLoan, version: int) -> contract.LoanSnapshot:
    """The loan as it stands, at ``version``."""
    loan = stored.loan
    return contract.LoanSnapshot(
        loan_id=loan.loan_id,
        institution=loan.institution,
        patron_id=loan.patron_id,
        item_barcode=loan.item_barcode,
        title=loan.title,
        library=loan.library,
        location=loan.location,
        circ_desk=stored.circ_desk,
        loan_date=loan.loaned_at,
        due_date=loan.due_at,
        original_due_date=loan.original_due_at,
        return_date=loan.returned_at,
        return_desk=stored.return_desk,
        status=loan.status.value,
        renewal_count=loan.renewal_count,
        last_renewal_origin=loan.last_renewal_origin.value if loan.last_renewal_origin else None,
        policy=", ".join(loan.rule_names) or None,
        version=version,
    )


def contract_payload(stored: StoredLoan, event: domain.LoanEvent) -> contract.LoanEvent:
    """The published payload of one domain event."""
    loan = snapshot(stored, event.loan_version)
    match event:
        case domain.LoanCreated(override=override):
            return contract.LoanCreated(loan=loan, override=_override(override))
        case domain.LoanRenewed(previous_due_at=previous, override=override):
            return contract.LoanRenewed(
                loan=loan, previous_due_date=previous, override=_override(override)
            )
        case domain.LoanDueDateChanged(previous_due_at=previous):
            return contract.LoanDueDateChanged(loan=loan, previous_due_date=previous)
        case domain.LoanReturned(days_late=days_late):
            return contract.LoanReturned(loan=loan, days_late=days_late)
        case domain.LoanLost(declared_by=declared_by):
            return contract.LoanLost(loan=loan, declared_by=declared_by)
        case domain.LoanClaimedReturned():
            return contract.LoanClaimedReturned(loan=loan)
        case domain.LoanRecalled(request_id=request_id):
            return contract.LoanRecalled(loan=loan, request_id=request_id)
        case domain.LoanItemFound():
            return contract.LoanItemFound(loan=loan)
        case domain.LoanDeleted():
            return contract.LoanDeleted(loan=loan)
    raise TypeError(f"event type={type(event).__name__!r} has no published contract")


def activity_summary(stored: StoredLoan, version: int) -> contract.LoanActivitySummary:
    """The minimal summary for the other institutions' network activity tab (no name, no contact:
    the patron's primary id, which is the network zone's for institutional accounts)."""
    loan = stored.loan
    return contract.LoanActivitySummary(
        primary_id=loan.patron_id,
        institution=loan.institution,
        loan_id=loan.loan_id,
        title=loan.title,
        due_date=loan.due_at,
        status=loan.status.value,
        version=version,
    )


def outbox_fields(stored: StoredLoan, topics: Topics) -> dict[str, Any]:
    """``$set`` fields putting the loan's pending events in its outbox: each on the loan topic
    (key = patron id), and, in the same write, one summary of the loan as it now stands on
    ``net.loan-activity.v1`` (key = primary id) and its state on the compacted loan-state topic
    (key = loan id; a tombstone once the loan is closed)."""
    loan = stored.loan
    events: list[tuple[str, str, Event[Any]]] = [
        (
            topics.loan(loan.institution),
            loan.patron_id,
            circulation_event(
                contract_payload(stored, event),
                loan.institution,
                loan.loan_id,
                event.occurred_at,
                event.event_id,
            ),
        )
        for event in loan.pending_events
    ]
    if loan.pending_events:
        last = loan.pending_events[-1]
        summary = circulation_event(
            activity_summary(stored, loan.version),
            loan.institution,
            loan.loan_id,
            last.occurred_at,
            f"{last.event_id}:activity",
        )
        events.append((topics.loan_activity, loan.patron_id, summary))
        state_id, state_topic = f"{last.event_id}:state", topics.loan_state(loan.institution)
        if not loan.is_open:
            seq = loan.saved_version + 1 + len(events)
            headers = {
                "ce_id": state_id,  # the writer knows it published it (its own consumer)
                "ce_tenant": loan.institution,
                "ce_source": circulation_source(loan.institution),
            }
            fields = outbox_set(events, first_seq=loan.saved_version + 1)
            return fields | outbox_tombstone(state_id, state_topic, loan.loan_id, headers, seq=seq)
        state = circulation_event(
            contract.LoanState(loan=snapshot(stored, loan.version)),
            loan.institution,
            loan.loan_id,
            last.occurred_at,
            state_id,
        )
        events.append((state_topic, loan.loan_id, state))
    return outbox_set(events, first_seq=loan.saved_version + 1)


def _override(record: OverrideRecord | None) -> dict[str, str] | None:
    if record is None:
        return None
    return {
        "operator": record.operator,
        "reason": record.reason,
        "overridden_at": record.overridden_at.isoformat(),
        "blocks": ",".join(kind.value for kind in record.blocks),
    }


def anonymised_outbox(
    stored: StoredLoan, topics: Topics, at: datetime, first_seq: int
) -> dict[str, Any]:
    """``$set`` fields announcing that an erasure anonymised the loan (``stored``, already
    naming nobody, at its new version): its summary on ``net.loan-activity.v1``, so that the
    other institutions' network activity names nobody either, and, for an open loan, its
    state on the compacted loan-state topic (a closed one's key already has a tombstone). No
    loan event: nothing happened to the loan itself."""
    loan = stored.loan
    event_id = f"{loan.loan_id}:erased:v{loan.version}"
    summary = activity_summary(stored, loan.version)
    events = [
        (
            topics.loan_activity,
            loan.patron_id,
            circulation_event(summary, loan.institution, loan.loan_id, at, f"{event_id}:activity"),
        )
    ]
    if loan.is_open:
        state = contract.LoanState(loan=snapshot(stored, loan.version))
        state_event = circulation_event(
            state, loan.institution, loan.loan_id, at, f"{event_id}:state"
        )
        events.append((topics.loan_state(loan.institution), loan.loan_id, state_event))
    return outbox_set(events, first_seq=first_seq)
