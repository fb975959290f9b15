"""Builders shared by the notifier's unit tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from notifier.domain import (
    LoanEvent,
    LoanEventKind,
    PatronContact,
    PostalAddress,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware instant written on the Paris clock."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


DUE = paris(2026, 12, 1, 19)


@pytest.fixture
def loan_event() -> Callable[..., LoanEvent]:
    """Build a loan event of loan L1 (patron P1, ub), due 1 December 2026 at 19:00 Paris."""

    def build(
        kind: LoanEventKind,
        version: int,
        occurred_at: datetime,
        due_at: datetime = DUE,
        loan_id: str = "L1",
        patron_id: str = "P1",
        institution: str = "ub",
        title: str = "Les Misérables",
    ) -> LoanEvent:
        return LoanEvent(
            kind=kind,
            institution=institution,
            loan_id=loan_id,
            loan_version=version,
            occurred_at=occurred_at,
            patron_id=patron_id,
            item_barcode=f"B-{loan_id}",
            title=title,
            library="Bibliothèque universitaire Sciences et techniques",
            due_at=due_at,
        )

    return build


@pytest.fixture
def patron() -> Callable[..., PatronContact]:
    """Build patron P1 of ub; pass email=None or address=False to remove a contact."""

    def build(
        patron_id: str = "P1",
        email: str | None = "helene.lefevre@example.org",
        address: bool = True,
        institution: str = "ub",
    ) -> PatronContact:
        postal = PostalAddress(("12 rue Sainte-Catherine", "Appartement 3"), "33000", "Bordeaux")
        return PatronContact(
            institution=institution,
            patron_id=patron_id,
            first_name="Hélène",
            last_name="Lefèvre",
            email=email,
            postal_address=postal if address else None,
        )

    return build
