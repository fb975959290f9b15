"""Fixtures for the circulation domain tests: the real policy files and small factories."""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import pytest

from circulation.adapters.memory import MemoryStore, MemoryUnitOfWork
from circulation.bootstrap import bootstrap
from circulation.domain import InstitutionPolicy, Item, Loan, Patron, load_institution_policy
from circulation.domain.vocabulary import InstitutionCode, ItemStatus
from circulation.domain.webhooks import Subscription
from circulation.service_layer import commands as cmd
from circulation.service_layer.messagebus import MessageBus
from rebub.testing.samples import iz_patron
from rebub_shared.clock import MovableClock

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def ub() -> InstitutionPolicy:
    return load_institution_policy("ub")


@pytest.fixture(scope="session")
def inp() -> InstitutionPolicy:
    return load_institution_policy("inp")


@pytest.fixture
def alma_subscription() -> Subscription:
    """ub's listener of LOAN_CREATED in Alma's format."""
    return Subscription(
        subscription_id="S1",
        institution="ub",
        url="https://listener.example.org/alma",
        secret="s3cret-key",
        events=("LOAN_CREATED",),
    )


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


@pytest.fixture
async def bus_and_store() -> tuple[MessageBus, MemoryStore, MovableClock]:
    """A bus on the in-memory fakes at inp (clock: Thu 1 Oct 2026), patrons P-42, P-7, P-9,
    items INP0001 and INP0002 at ENSEIRB."""
    return await _bus_and_store(THU_1_OCT)


async def _bus_and_store(at: datetime) -> tuple[MessageBus, MemoryStore, MovableClock]:
    store, clock, relayed = MemoryStore(), MovableClock(at), []
    numbers = iter(range(1, 100))

    class Relay:
        async def relay_soon(self, loan_id: str) -> int:
            relayed.append(loan_id)
            return 1

        def later(self, loan_ids: Iterable[str]) -> None:
            relayed.extend(loan_ids)

    bus = bootstrap(
        institution="inp",
        policy=load_institution_policy("inp"),
        clock=clock,
        uow_factory=lambda: MemoryUnitOfWork(store),
        relay=Relay(),
        loan_ids=lambda: f"loan-{next(numbers)}",
    )
    for primary_id in ("P-42", "P-7", "P-9"):  # cards CARD42, CARD7, CARD9
        card = f"CARD{primary_id.removeprefix('P-')}"
        patron = iz_patron(primary_id, "inp", barcodes=[card])
        await bus.handle(cmd.RecordPatronChange(institution="inp", patron=patron))
    items = tuple(
        cmd.ItemRecord(barcode=code, title="Analyse", library="ENSEIRB", location="ENSEIRB-LA")
        for code in ("INP0001", "INP0002")
    )
    await bus.handle(cmd.LoadItems(institution="inp", items=items))
    return bus, store, clock
