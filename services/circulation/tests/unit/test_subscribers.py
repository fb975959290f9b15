"""Circulation's subscribers on FastStream's in-memory test broker: each CloudEvents record
reaches the handler of its type, typed, and becomes the command it asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from circulation.entrypoints import kafka
from circulation.service_layer.commands import ForgetPatron, MergeWaitingAccount, RecordPatronChange
from circulation.service_layer.loan_commands import RecordNetworkActivity
from rebub.testing.samples import activity_summary, iz_patron
from rebub.testing.subscribers import deliver, deliver_tombstone
from rebub_shared.cloudevents import InvalidEventError
from rebub_shared.contracts.patrons import ERASURE_HEADER, PatronChanged, WaitingAccountMerged
from rebub_shared.topics import Topics


@dataclass
class Ctx:
    institution: str = "ub"


@dataclass
class RecordingBus:
    """Stands for the message bus: keeps the commands it is asked to handle."""

    ctx: Ctx = field(default_factory=Ctx)
    handled: list[Any] = field(default_factory=list)

    async def handle(self, command: Any) -> None:
        self.handled.append(command)


async def test_patron_events_become_their_commands() -> None:
    bus, patron = RecordingBus(), iz_patron("P-42", version=3)
    merged = WaitingAccountMerged(
        institution="ub",
        waiting_id="ATT-P-42",
        primary_id="P-42",
        merged_at=datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
    )
    subscriber = kafka.patron_subscriber(kafka.patrons(Topics(), "ub"), bus, fast=False)  # type: ignore[arg-type]
    await deliver(subscriber, [(PatronChanged(patron=patron), "ub"), (merged, "ub")])
    assert bus.handled == [
        RecordPatronChange(institution="ub", patron=patron),
        MergeWaitingAccount(institution="ub", waiting_id="ATT-P-42", primary_id="P-42"),
    ]


async def test_a_summary_is_recorded_as_network_activity() -> None:
    bus, summary = RecordingBus(), activity_summary("bsa")
    consumption = kafka.network_activity(Topics(), "ub")
    subscriber = kafka.activity_subscriber(consumption, bus, fast=False)  # type: ignore[arg-type]
    await deliver(subscriber, [(summary, "bsa")])
    assert bus.handled == [RecordNetworkActivity(institution="ub", summary=summary)]


async def test_an_event_the_group_does_not_declare_is_refused() -> None:
    bus = RecordingBus()
    consumption = kafka.network_activity(Topics(), "ub")
    subscriber = kafka.activity_subscriber(consumption, bus, fast=False)  # type: ignore[arg-type]
    with pytest.raises(InvalidEventError, match="not a known event type here"):
        await deliver(subscriber, [(PatronChanged(patron=iz_patron()), "ub")])
    assert bus.handled == []


async def test_a_tombstone_on_the_patron_topic_forgets_the_patron() -> None:
    bus = RecordingBus()
    subscriber = kafka.patron_subscriber(kafka.patrons(Topics(), "ub"), bus, fast=False)  # type: ignore[arg-type]
    await deliver_tombstone(subscriber, "P-42")
    await deliver_tombstone(subscriber, "P-43", headers={ERASURE_HEADER: "request-1"})
    assert bus.handled == [
        ForgetPatron(institution="ub", patron_id="P-42", erasure=False),  # the snapshot only
        ForgetPatron(institution="ub", patron_id="P-43", erasure=True),  # loans anonymised too
    ]


async def test_a_tombstone_where_nothing_is_keyed_so_is_read_and_skipped() -> None:
    bus = RecordingBus()
    consumption = kafka.network_activity(Topics(), "ub")
    subscriber = kafka.activity_subscriber(consumption, bus, fast=False)  # type: ignore[arg-type]
    await deliver_tombstone(subscriber, "P-42")  # neither a dead letter nor a command
    assert bus.handled == []
