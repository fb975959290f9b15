"""CloudEvents an IZ patron write publishes (through the outbox inside the patron's document)."""

import uuid
from collections.abc import Sequence
from typing import Any

from patron_sync.adapters.contracts import to_iz_contract, to_reader_contract
from patron_sync.domain.accounts import Patron
from patron_sync.domain.events import WaitingAccountMerged
from patron_sync.service_layer.unit_of_work import AlsoPublished
from rebub_shared.clock import Clock
from rebub_shared.cloudevents import Event, EventPayload, new_event
from rebub_shared.contracts import patrons as c
from rebub_shared.tenancy import institution
from rebub_shared.topics import Topics

SOURCE = "/rebub/patron-sync"


def patron_events(
    patron: Patron,
    revision: int,
    also: Sequence[AlsoPublished],
    topics: Topics,
    clock: Clock,
    correlation_id: str | None = None,
) -> list[tuple[str, str, Event[Any]]]:
    """``(topic, key, event)`` of one write: the PatronChanged snapshot, then what ``also``
    asks. Event ids derive from the account and its revision (a UUID 5: the
    outbox keys documents by event id, where a dot would nest): a retried write is the same event.
    ``correlation_id``: the work that staged the write's (else the work under way's)."""
    tenant = institution(patron.tenant).code
    base = f"{tenant}/{patron.account_id}/r{revision}"

    def event(data: EventPayload, n: int, subject: str) -> Event[Any]:
        return new_event(
            data,
            source=f"{SOURCE}/{tenant}",
            tenant=tenant,
            subject=subject,
            clock=clock,
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/{n}")),
            correlation_id=correlation_id,
        )

    own = topics.patron(tenant)
    snapshot = c.PatronChanged(patron=to_iz_contract(patron, revision))
    out: list[tuple[str, str, Event[Any]]] = [
        (own, patron.account_id, event(snapshot, 0, patron.account_id))
    ]
    for n, extra in enumerate(also, start=1):
        if isinstance(extra, WaitingAccountMerged):
            merged = c.WaitingAccountMerged(
                institution=tenant,
                waiting_id=extra.waiting_id,
                primary_id=extra.primary_id,
                merged_at=extra.merged_at,
            )
            out.append((own, extra.waiting_id, event(merged, n, extra.waiting_id)))
        else:
            reader = c.ExternalReaderPublished(reader=to_reader_contract(patron))
            out.append(
                (topics.external_reader, patron.account_id, event(reader, n, patron.account_id))
            )
    return out
