"""The notifier's subscriber on FastStream's in-memory test broker: loan events, patron changes
and "placed on hold shelf" each reach their handler, typed; the other declared events are read
and skipped."""

from __future__ import annotations

from collections.abc import Collection

from notifier.entrypoints import kafka
from rebub.testing.samples import DUE_AT, LENT_AT, iz_patron, loan_snapshot
from rebub.testing.subscribers import deliver, deliver_tombstone
from rebub_shared.clock import MovableClock
from rebub_shared.contracts.loans import LoanCreated
from rebub_shared.contracts.patrons import ERASURE_HEADER, PatronChanged, WaitingAccountMerged
from rebub_shared.contracts.requests import RequestCreated
from rebub_shared.topics import Topics

from .fakes import fake_notifier
from .test_hold_available import SHELVED_AT, placed_on_hold_shelf


async def test_each_event_type_reaches_its_handler() -> None:
    notifier, store, mailer, _ = fake_notifier(MovableClock(SHELVED_AT))
    subscriber = kafka.subscriber(kafka.institution_events(Topics(), "ub"), notifier)
    merged = WaitingAccountMerged(
        institution="ub", waiting_id="ATT-P1", primary_id="P1", merged_at=LENT_AT
    )
    shelved = placed_on_hold_shelf(patron_id="P1")
    await deliver(
        subscriber,
        [
            (PatronChanged(patron=iz_patron("P1", version=2)), "ub"),
            (merged, "ub"),  # nothing to do: the loans' next events carry the new id
            (LoanCreated(loan=loan_snapshot("L1", patron_id="P1")), "ub"),
            (RequestCreated(request=shelved.request), "ub"),  # skipped: not on the shelf yet
            (shelved, "ub"),
        ],
    )
    assert (await store.patrons(["P1"]))["P1"].email == "camille.dupont@example.org"
    loan = await store.get_loan("L1")
    assert loan is not None
    assert loan.due_at == DUE_AT
    assert [letter.kind for letter, _ in mailer.sent] == ["hold_available"]


class Confirmations:
    def __init__(self) -> None:
        self.applied_: list[str] = []
        self.about: list[str] = []

    async def applied(
        self, request_id: str, done: str, accounts: int = 1, about: Collection[str] = ()
    ) -> None:
        self.applied_.append(request_id)
        self.about += about


async def test_a_tombstone_on_the_patron_topic_forgets_the_contact() -> None:
    notifier, store, *_ = fake_notifier(MovableClock(SHELVED_AT))
    consumption = kafka.institution_events(Topics(), "ub")
    confirmations = Confirmations()
    subscriber = kafka.subscriber(consumption, notifier, reports=confirmations)
    patrons = Topics().patron("ub")
    await deliver(
        subscriber, [(PatronChanged(patron=iz_patron("P1", version=2)), "ub")], topic=patrons
    )
    await deliver(subscriber, [(placed_on_hold_shelf(patron_id="P1"), "ub")])  # one letter
    await deliver_tombstone(subscriber, "P1", topic=patrons)
    assert await store.patrons(["P1"]) == {}
    assert len(await store.find_letters(patron_id="P1")) == 1  # kept: not an erasure
    await deliver_tombstone(subscriber, "P1", topic=patrons, headers={ERASURE_HEADER: "r-1"})
    assert await store.find_letters(patron_id="P1") == []  # an erasure's tombstone: letters too
    assert confirmations.applied_ == ["r-1"]  # the erasure confirmed, the plain tombstone not
    assert confirmations.about == ["P1"]  # its dead letters naming the patron tombstoned first
