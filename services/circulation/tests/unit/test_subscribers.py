"""Circulation's subscribers on FastStream's in-memory test broker: each CloudEvents record
reaches the handler of its type, typed, and becomes the command it asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from circulation.entrypoints import kafka
from circulation.service_layer.commands import MergeWaitingAccount, RecordPatronChange
from circulation.service_layer.loan_commands import RecordNetworkActivity
from rebub.testing.subscribers import deliver
from rebub_shared.cloudevents import InvalidEventError
from rebub_shared.contracts.loans import LoanActivitySummary
from rebub_shared.contracts.patrons import (
    Contact,
    IzPatron,
    PatronChanged,
    WaitingAccountMerged,
)
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


PATRON = IzPatron(
    primary_id="P-42",
    institution="ub",
    kind="external",
    last_name="Dupont",
    first_name="Camille",
    user_group="L",
    expiry_date=date(2027, 9, 30),
    contact=Contact(),
    barcodes=["CARD42"],
    version=3,
)
MERGED = WaitingAccountMerged(
    institution="ub",
    waiting_id="ATT-P-42",
    primary_id="P-42",
    merged_at=datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
)


async def test_patron_events_become_their_commands() -> None:
    bus = RecordingBus()
    subscriber = kafka.patron_subscriber(kafka.patrons(Topics(), "ub"), bus, fast=False)  # type: ignore[arg-type]
    await deliver(subscriber, [(PatronChanged(patron=PATRON), "ub"), (MERGED, "ub")])
    assert bus.handled == [
        RecordPatronChange(institution="ub", patron=PATRON),
        MergeWaitingAccount(institution="ub", waiting_id="ATT-P-42", primary_id="P-42"),
    ]


async def test_a_summary_is_recorded_as_network_activity() -> None:
    bus = RecordingBus()
    consumption = kafka.network_activity(Topics(), "ub")
    subscriber = kafka.activity_subscriber(consumption, bus, fast=False)  # type: ignore[arg-type]
    summary = LoanActivitySummary(
        primary_id="P-42",
        institution="bsa",
        loan_id="bsa-L1",
        title="Germinal",
        due_date=datetime(2026, 10, 15, 17, 0, tzinfo=UTC),
        status="active",
        version=1,
    )
    await deliver(subscriber, [(summary, "bsa")])
    assert bus.handled == [RecordNetworkActivity(institution="ub", summary=summary)]


async def test_an_event_the_group_does_not_declare_is_refused() -> None:
    bus = RecordingBus()
    consumption = kafka.network_activity(Topics(), "ub")
    subscriber = kafka.activity_subscriber(consumption, bus, fast=False)  # type: ignore[arg-type]
    with pytest.raises(InvalidEventError, match="not a known event type here"):
        await deliver(subscriber, [(PatronChanged(patron=PATRON), "ub")])
    assert bus.handled == []
