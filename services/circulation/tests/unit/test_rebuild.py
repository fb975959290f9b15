"""Open loans written back from their state on the loan-state topic (a rebuilt database), on
the in-memory fakes: the same loan, no event published again; a loan the service wrote itself is
never touched; a tombstone removes only a restored loan still open."""

from __future__ import annotations

from datetime import UTC, datetime

from circulation.adapters.loan_events import snapshot
from circulation.adapters.memory import MemoryStore, MemoryUnitOfWork
from circulation.bootstrap import bootstrap
from circulation.domain import load_institution_policy
from circulation.service_layer import commands as cmd
from circulation.service_layer.loan_commands import ForgetRestoredLoan, RestoreLoan
from circulation.service_layer.messagebus import MessageBus
from rebub.testing.samples import iz_patron
from rebub_shared.clock import MovableClock

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
DESK = {"institution": "inp", "desk": "ENSEIRB-PRET", "operator": "agent-7"}


def circulation(store: MemoryStore) -> MessageBus:
    return bootstrap(
        institution="inp",
        policy=load_institution_policy("inp"),
        clock=MovableClock(THU_1_OCT),
        uow_factory=lambda: MemoryUnitOfWork(store),
    )


async def lent(store: MemoryStore) -> str:
    bus = circulation(store)
    await bus.handle(cmd.RecordPatronChange(institution="inp", patron=iz_patron("P-42", "inp")))
    item = cmd.ItemRecord(
        barcode="INP0001", title="Analyse", library="ENSEIRB", location="ENSEIRB-LA"
    )
    await bus.handle(cmd.LoadItems(institution="inp", items=(item,)))
    answer = await bus.handle(cmd.CheckOutItem(**DESK, patron="P-42", item_barcode="INP0001"))
    return answer.loan.loan_id


async def test_an_open_loan_comes_back_from_its_states_without_an_event() -> None:
    kept = MemoryStore()
    loan_id = await lent(kept)
    original = kept.loans[("inp", loan_id)]
    first = snapshot(original, original.loan.version)
    rebuilt = MemoryStore()
    bus = circulation(rebuilt)

    assert await bus.handle(RestoreLoan(institution="inp", loan=first))
    assert not await bus.handle(RestoreLoan(institution="inp", loan=first))  # redelivered

    restored = rebuilt.loans[("inp", loan_id)]
    assert restored.loan == original.loan
    assert (restored.circ_desk, rebuilt.published) == (original.circ_desk, [])


async def test_a_newer_state_updates_and_a_tombstone_removes_a_restored_loan_only() -> None:
    kept = MemoryStore()
    loan_id = await lent(kept)
    original = kept.loans[("inp", loan_id)]
    rebuilt = MemoryStore()
    bus = circulation(rebuilt)
    older = snapshot(original, 1).model_copy(update={"renewal_count": 0})
    newer = snapshot(original, 2).model_copy(update={"renewal_count": 1})
    await bus.handle(RestoreLoan(institution="inp", loan=older))

    assert await bus.handle(RestoreLoan(institution="inp", loan=newer))
    assert rebuilt.loans[("inp", loan_id)].loan.renewal_count == 1
    assert await bus.handle(ForgetRestoredLoan(institution="inp", loan_id=loan_id))
    assert ("inp", loan_id) not in rebuilt.loans

    # The store that wrote the loan keeps it whatever the topic says.
    own = circulation(kept)
    assert not await own.handle(RestoreLoan(institution="inp", loan=newer))
    assert not await own.handle(ForgetRestoredLoan(institution="inp", loan_id=loan_id))
    assert kept.loans[("inp", loan_id)].loan.renewal_count == original.loan.renewal_count
