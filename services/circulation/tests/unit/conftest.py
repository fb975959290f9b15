"""Fixtures for the circulation domain tests: the real policy files and small factories."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from circulation.domain import InstitutionPolicy, Item, Loan, Patron, load_institution_policy
from circulation.domain.vocabulary import InstitutionCode, ItemStatus


@pytest.fixture(scope="session")
def ub() -> InstitutionPolicy:
    return load_institution_policy("ub")


@pytest.fixture(scope="session")
def inp() -> InstitutionPolicy:
    return load_institution_policy("inp")


@pytest.fixture
def make_item() -> Callable[..., Item]:
    def make(
        institution: str = "inp",
        library: str = "ENSEIRB",
        location: str = "ENSEIRB-LA",
        item_policy: str | None = None,
        status: ItemStatus = ItemStatus.AVAILABLE,
        barcode: str = "INP0001",
    ) -> Item:
        return Item.model_validate(
            {
                "institution": institution,
                "barcode": barcode,
                "title": "Analyse numérique",
                "library": library,
                "location": location,
                "item_policy": item_policy,
                "status": status,
            }
        )

    return make


@pytest.fixture
def make_patron() -> Callable[..., Patron]:
    def make(institution: str = "inp", user_group: str = "L", **fields: object) -> Patron:
        return Patron.model_validate(
            {"institution": institution, "patron_id": "P-42", "user_group": user_group, **fields}
        )

    return make


@pytest.fixture
def make_loan() -> Callable[..., Loan]:
    """A loan lent on 3 Oct 2026 (ENSEIRB, inp, by default), due at the given instant."""

    def make(
        due_at: datetime,
        barcode: str = "INP0100",
        loaned_at: datetime = datetime(2026, 10, 3, 10, 0, tzinfo=UTC),
        institution: InstitutionCode = "inp",
        library: str = "ENSEIRB",
        location: str = "ENSEIRB-LA",
    ) -> Loan:
        return Loan.lend(
            loan_id=f"loan-{barcode}",
            institution=institution,
            patron_id="P-42",
            item_barcode=barcode,
            title="Théorie des graphes",
            library=library,
            location=location,
            due_at=due_at,
            rule_names=("inp-empruntable-2-mois",),
            now=loaned_at,
        )

    return make
