"""One repository test suite, run against the in-memory fakes and against the real store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from circulation.adapters.memory import MemoryStore, MemoryUnitOfWork
from circulation.adapters.mongo_uow import MongoUnitOfWork, ensure_indexes
from circulation.domain import ItemStatus, LoadedItem, Loan
from circulation.domain.requests import Request, RequestKind, RequestTask
from circulation.service_layer.errors import ConcurrentUpdateError, ItemOnLoanError
from circulation.service_layer.ports import ANONYMOUS, StoredLoan, UnitOfWork
from rebub.testing.plugin import Namespace
from rebub_shared.contracts.loans import LoanActivitySummary

from .conftest import patron

AT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def memory_uow() -> UnitOfWork:
    return MemoryUnitOfWork(MemoryStore())


@pytest.fixture
async def mongo_uow(namespace: Namespace) -> AsyncIterator[UnitOfWork]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        namespace.backends.mongo_uri, tz_aware=True
    )
    db = client[f"{namespace.database_prefix}inp_circulation"]
    await ensure_indexes(db)
    yield MongoUnitOfWork(db, namespace.topics)
    await client.close()


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
def uow(request: pytest.FixtureRequest) -> UnitOfWork:
    """The same suite against each adapter."""
    found: UnitOfWork = request.getfixturevalue(f"{request.param}_uow")
    return found


def lent(barcode: str, patron_id: str = "P-42", loan_id: str | None = None) -> StoredLoan:
    loan = Loan.lend(
        loan_id=loan_id or f"loan-{barcode}",
        institution="inp",
        patron_id=patron_id,
        item_barcode=barcode,
        title="Analyse",
        library="ENSEIRB",
        location="ENSEIRB-LA",
        due_at=datetime(2026, 11, 2, 17, 30, tzinfo=UTC),
        rule_names=("inp-empruntable-1-mois",),
        now=AT,
    )
    return StoredLoan(loan, circ_desk="ENSEIRB-PRET", session_id="s-1")


async def test_a_loan_reads_back_as_written_and_an_item_has_one_open_loan(uow: UnitOfWork) -> None:
    stored = lent("INP0001")
    await uow.loans.add("inp", stored)
    assert stored.loan.pending_events == []  # now in the outbox
    read = await uow.loans.get("inp", "loan-INP0001")
    assert read is not None
    assert (read.loan, read.circ_desk, read.session_id) == (stored.loan, "ENSEIRB-PRET", "s-1")
    with pytest.raises(ItemOnLoanError):
        await uow.loans.add("inp", lent("INP0001", "P-43", loan_id="loan-other"))
    mine, item_loan = await uow.loans.open_for_patron("inp", "P-42", "INP0001")
    assert ([s.loan.loan_id for s in mine], item_loan is not None) == (["loan-INP0001"], True)


async def test_a_stale_loan_is_not_saved(uow: UnitOfWork) -> None:
    await uow.loans.add("inp", lent("INP0001"))
    first = await uow.loans.get("inp", "loan-INP0001")
    second = await uow.loans.get("inp", "loan-INP0001")
    assert first is not None
    assert second is not None
    first.loan.recall(now=AT, request_id="req-1")
    await uow.loans.save("inp", first)
    second.loan.claim_returned(now=AT)
    with pytest.raises(ConcurrentUpdateError):
        await uow.loans.save("inp", second)


async def test_a_returned_loan_frees_the_item_and_loans_move_on_merge(uow: UnitOfWork) -> None:
    stored = lent("INP0001", "W-9")
    await uow.loans.add("inp", stored)
    stored.loan.delete(now=AT)
    await uow.loans.save("inp", stored)
    assert await uow.loans.open_for_item("inp", "INP0001") is None
    await uow.loans.add("inp", lent("INP0001", "W-9", loan_id="loan-again"))
    assert await uow.loans.move_to_patron("inp", "W-9", "P-42") == 2
    mine, _ = await uow.loans.open_for_patron("inp", "P-42")
    assert [s.loan.loan_id for s in mine] == ["loan-again"]


async def test_patron_snapshots_keep_the_newest_and_the_suspension(uow: UnitOfWork) -> None:
    assert await uow.patrons.record_snapshot("inp", patron("inp", "P-42", "M", version=2))
    assert not await uow.patrons.record_snapshot("inp", patron("inp", "P-42", "L", version=1))
    await uow.patrons.extend_suspension("inp", "P-42", date(2026, 11, 9))
    await uow.patrons.extend_suspension("inp", "P-42", date(2026, 11, 5))  # shorter: kept longer
    assert await uow.patrons.record_snapshot("inp", patron("inp", "P-42", "D", version=3))
    found = await uow.patrons.find("inp", "CARDP-42")
    assert found is not None
    assert (found.patron.user_group, found.patron.suspended_until) == ("D", date(2026, 11, 9))
    assert await uow.patrons.find("inp", "nobody") is None


def loaded(barcode: str, status: ItemStatus | None = None, **fields: Any) -> LoadedItem:
    values = {"title": "Analyse", "library": "ENSEIRB", "location": "ENSEIRB-LA"} | fields
    return LoadedItem(institution="inp", barcode=barcode, status=status, **values)


async def test_a_load_sets_what_it_names_and_keeps_the_status_it_does_not(
    uow: UnitOfWork,
) -> None:
    """One write per item (no read first): a new item starts available, a reload that names no
    status keeps the one a return set meanwhile, a reload that names one sets it."""
    await uow.items.load_many("inp", [loaded("INP0001"), loaded("INP0002", ItemStatus.MISSING)])
    await uow.items.set_statuses("inp", {"INP0001": ItemStatus.IN_TRANSIT})
    reload = [loaded("INP0001", title="Analyse 2e éd."), loaded("INP0002", ItemStatus.AVAILABLE)]
    assert await uow.items.load_many("inp", reload) == 2
    items = await uow.items.get_many("inp", ["INP0001", "INP0002"])
    assert [(i.title, i.status) for i in items.values()] == [
        ("Analyse 2e éd.", ItemStatus.IN_TRANSIT),
        ("Analyse", ItemStatus.AVAILABLE),
    ]
    travelling = await uow.items.items_in_transit("inp", "ENSEIRB")
    assert ([i.barcode for i in travelling], await uow.items.items_in_transit("inp", "ENSCBP")) == (
        ["INP0001"],
        [],
    )


def requested(barcode: str, request_id: str) -> Request:
    return Request.place(
        task=RequestTask.WAITING_FOR_ITEM,
        now=AT,
        request_id=request_id,
        institution="inp",
        kind=RequestKind.HOLD,
        patron_id="P-42",
        item_barcode=barcode,
        title="Analyse",
        pickup_library="ENSEIRB",
    )


async def test_retention_and_erasure_anonymise_what_they_should(uow: UnitOfWork) -> None:
    """Issue 21, on each adapter: a year after 1 Oct 2026 the deleted loan and the cancelled
    request lose their patron, the open ones keep theirs; an erasure then takes those too."""
    closed, still_open = lent("INP0001"), lent("INP0002")
    closed.loan.delete(now=AT)
    await uow.loans.add("inp", closed)
    await uow.loans.add("inp", still_open)
    cancelled, active = requested("INP0003", "R-1"), requested("INP0004", "R-2")
    cancelled.cancel(now=AT, reason="plus besoin")
    for request in (cancelled, active):
        await uow.requests.add("inp", request)
    await uow.patrons.record_snapshot("inp", patron("inp", "P-42", "M", version=1))
    a_year_on = datetime(2027, 10, 2, 8, 0, tzinfo=UTC)
    assert await uow.loans.anonymise_closed_before("inp", a_year_on) == 1
    assert await uow.requests.anonymise("inp", placed_before=a_year_on) == 1
    assert [r.request_id for r in await uow.requests.for_patron("inp", "P-42")] == ["R-2"]
    mine, _ = await uow.loans.open_for_patron("inp", "P-42")
    assert [s.loan.loan_id for s in mine] == ["loan-INP0002"]
    await uow.patrons.forget("inp", "P-42")
    assert await uow.requests.anonymise("inp", patron_id="P-42") == 1
    assert await uow.loans.add_note("inp", "loan-INP0002", "Mme Lefèvre a appelé")
    assert await uow.loans.anonymise_patron("inp", "P-42", AT) == 1
    assert await uow.loans.anonymise_patron("inp", "P-42", AT) == 0  # a replay
    [erased] = [s for s in await uow.loans.for_item("inp", "INP0002", AT) if s.loan.is_open]
    assert (erased.loan.patron_id, erased.notes) == (ANONYMOUS, [])
    assert await uow.patrons.find("inp", "P-42") is None
    assert await uow.requests.for_patron("inp", "P-42") == []


@pytest.mark.integration
async def test_an_erasure_tells_the_network_activity_and_the_loan_state_on_the_real_store(
    mongo_uow: UnitOfWork, namespace: Namespace
) -> None:
    """The anonymised loans' announcements are in their outboxes (the same write): a summary
    naming nobody for the other institutions (whose projection then forgets the person) and,
    for the open loan, its state naming nobody on the compacted loan-state topic."""
    closed, still_open = lent("INP0001"), lent("INP0002")
    closed.loan.delete(now=AT)
    for stored in (closed, still_open):
        await mongo_uow.loans.add("inp", stored)
    erased_at = datetime(2026, 10, 3, 9, 0, tzinfo=UTC)

    assert await mongo_uow.loans.anonymise_patron("inp", "P-42", erased_at) == 2

    written = mongo_uow.loans.as_written  # type: ignore[attr-defined]
    activity, state = namespace.topics.loan_activity, namespace.topics.loan_state("inp")

    def erasure_entries(loan_id: str) -> dict[str, Any]:
        entries = written[loan_id]["outbox"].values()
        return {e["topic"]: e["data"] for e in entries if ":erased:" in e["headers"]["ce_id"]}

    assert set(erasure_entries("loan-INP0001")) == {activity}  # closed: its state is gone
    told = erasure_entries("loan-INP0002")
    assert set(told) == {activity, state}
    assert (told[activity]["primary_id"], told[state]["loan"]["patron_id"]) == (ANONYMOUS,) * 2
    # Another institution's projection, given the anonymised summary (a newer version): the
    # person's network activity is gone.
    summary = LoanActivitySummary.model_validate(told[activity])
    before = summary.model_copy(update={"primary_id": "P-42", "version": summary.version - 1})
    assert await mongo_uow.network.record("ub", before, AT)
    assert [s.loan_id for s in await mongo_uow.network.for_patron("ub", "P-42")] == ["loan-INP0002"]
    assert await mongo_uow.network.record("ub", summary, erased_at)
    assert await mongo_uow.network.for_patron("ub", "P-42") == []
