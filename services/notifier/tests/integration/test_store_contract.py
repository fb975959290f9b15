"""One contract, two stores: the in-memory fake of the unit tests behaves as the Mongo store
(FerretDB locally) the service runs on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from notifier.adapters.memory_store import MemoryStore
from notifier.adapters.mongo_store import MongoStore
from notifier.domain import (
    Channel,
    EndReason,
    Letter,
    LetterItem,
    LetterKind,
    LoanInChain,
    LoanStatus,
    PatronContact,
    PostalAddress,
)
from notifier.domain.retention import NotifierRetention, cutoffs
from notifier.service_layer import LetterState, NotifierStore, Report
from notifier.service_layer.records import ClaimNote
from rebub.testing.plugin import Namespace
from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import new_event
from rebub_shared.contracts.letters import LetterSent
from rebub_shared.mongo import open_mongo

NOW = datetime(2026, 11, 6, 8, 0, 0, 123456, tzinfo=UTC)  # microseconds must survive
DAY = date(2026, 11, 6)


def loan(loan_id: str = "L1", version: int = 1, **changes: Any) -> LoanInChain:
    base = LoanInChain("ub", loan_id, "P1", f"B-{loan_id}", "Titre", "BUST", NOW, NOW)
    return replace(base, event_version=version, **changes)


def contact(email: str | None = "p1@example.org") -> PatronContact:
    address = PostalAddress(("12 rue Sainte-Catherine",), "33000", "Bordeaux")
    return PatronContact("ub", "P1", "Hélène", "Lefèvre", email, address)


def letter(key: str = "ub:P1:reminder:2026-11-06", channel: Channel = Channel.EMAIL) -> Letter:
    item = LetterItem("L1", "Titre", "B-L1", "BUST", NOW, 0, "ub:L1:reminder:v1")
    return Letter(key, "ub", LetterKind.REMINDER, contact(), DAY, channel, (item,))


def outgoing(letter_id: str) -> tuple[str, str, Any]:
    data = LetterSent(
        letter_id=letter_id,
        institution="ub",
        patron_id="P1",
        kind="reminder",
        loan_ids=["L1"],
        channel="email",
        sent_at=NOW,
    )
    event = new_event(data, source="/test", tenant="ub", subject=letter_id, clock=MovableClock(NOW))
    return ("ub.notifier.letter.v1", "P1", event)


class StoreContract:
    """The repository contract; a subclass gives its `store` fixture (pyeventsourcing style)."""

    async def test_a_loan_comes_back_exactly_and_only_a_newer_version_replaces_it(
        self, store: NotifierStore
    ) -> None:
        assert await store.save_loan(loan(version=2))
        assert not await store.save_loan(loan(version=1, title="Ancien"))
        assert not await store.save_loan(loan(version=2, title="Rejoué"))

        assert await store.get_loan("L1") == loan(version=2)
        assert await store.active_chain() == ([loan(version=2)], set())
        assert await store.loans_of_patron("P1") == [loan(version=2)]
        assert await store.get_loan("L9") is None

    async def test_ended_loans_are_not_active(self, store: NotifierStore) -> None:
        from notifier.domain import EndReason, LoanStatus

        await store.save_loan(loan("L1", status=LoanStatus.ENDED, ended_reason=EndReason.RETURNED))
        await store.save_loan(loan("L2"))

        loans, _ = await store.active_chain()
        assert [x.loan_id for x in loans] == ["L2"]

    async def test_a_patron_keeps_the_newest_contact(self, store: NotifierStore) -> None:
        assert await store.save_patron(contact(), 2)
        assert not await store.save_patron(contact(email=None), 1)

        assert await store.patrons(["P1", "P2"]) == {"P1": contact()}

    async def test_a_forgotten_patron_is_gone(self, store: NotifierStore) -> None:
        assert await store.save_patron(contact(), 2)
        assert await store.forget_patron("P1", letters=True) == 0  # none written
        assert await store.forget_patron("P1", letters=True) == 0  # a tombstone delivered twice
        assert await store.patrons(["P1"]) == {}

    async def test_an_erasure_removes_everything_that_names_the_patron(
        self, store: NotifierStore
    ) -> None:
        """Issue 21: the loans in the chain, letters, their attempts, open-list entries and
        keys, and the reports of P1 go; P2's stay; a replay removes nothing more."""
        other = replace(contact(), patron_id="P2")
        theirs = letter()
        kept = replace(letter("ub:P2:reminder:2026-11-06"), patron=other)
        item = replace(kept.items[0], loan_id="L2", idempotency_key="ub:L2:reminder:v1")
        kept = replace(kept, items=(item,))
        for each in (theirs, kept):
            await store.save_loan(loan(each.items[0].loan_id, patron_id=each.patron.patron_id))
            await store.save_patron(each.patron, 1)
            await store.record_pending(each)
            assert await store.claim_key(each.items[0].idempotency_key or "", each.key)
            assert await store.claim_attempt(each.key, 0, "a")
            await store.back_to_pending(each.key, "refused")
            assert await store.claim_attempt(each.key, 1, "a")
            pid = each.patron.patron_id
            await store.add_report(Report(f"u:{pid}", pid, "unreachable", ("L1",), "x", NOW))

        assert await store.forget_patron("P1", letters=True) == 1
        assert await store.forget_patron("P1", letters=True) == 0
        assert await store.loans_of_patron("P1") == []
        assert await store.find_letters(patron_id="P1") == []
        assert await store.claimed_keys(["ub:L1:reminder:v1", "ub:L2:reminder:v1"]) == {
            "ub:L2:reminder:v1"
        }
        assert [await store.attempt_taken(theirs.key, n) for n in (0, 1)] == [False, False]
        assert [await store.attempt_taken(kept.key, n) for n in (0, 1)] == [True, True]
        assert await store.open_letter_ids() == [kept.key]
        assert [r.patron_id for r in await store.reports()] == ["P2"]
        assert [x.loan_id for x in await store.loans_of_patron("P2")] == ["L2"]
        assert await store.patrons(["P1", "P2"]) == {"P2": other}

    async def test_a_key_belongs_to_the_first_letter_that_claims_it(
        self, store: NotifierStore
    ) -> None:
        assert await store.claim_key("ub:L1:reminder:v1", "letter-a")
        assert await store.claim_key("ub:L1:reminder:v1", "letter-a")  # a retry of the same letter
        assert not await store.claim_key("ub:L1:reminder:v1", "letter-b")

        assert await store.claimed_keys(["ub:L1:reminder:v1", "ub:L2:reminder:v1"]) == {
            "ub:L1:reminder:v1"
        }

    async def test_claims_noted_on_a_loan_come_with_it_and_survive_its_next_event(
        self, store: NotifierStore
    ) -> None:
        await store.save_loan(loan("L1", version=1))
        await store.save_loan(loan("L2", version=1))
        await store.note_claimed([ClaimNote("L1", "ub:L1:courtesy:v1", date(2026, 11, 6))])
        await store.note_claimed(
            [
                ClaimNote("L1", "ub:L1:courtesy:v1", date(2026, 11, 6)),
                ClaimNote("L1", "ub:L1:reminder:v1", date(2026, 11, 11)),
            ]
        )

        await store.save_loan(loan("L1", version=2, title="Renouvelé"))

        loans, noted = await store.active_chain()
        assert sorted(x.loan_id for x in loans) == ["L1", "L2"]
        assert noted == {"ub:L1:courtesy:v1", "ub:L1:reminder:v1"}
        assert await store.get_loan("L1") == loan("L1", version=2, title="Renouvelé")

    async def test_the_schedule_gives_exactly_the_loans_due_by_today_and_those_written_since(
        self, store: NotifierStore
    ) -> None:
        """Scheduled on 10, 11 and 12 Nov, one with no stage left, one just written (not
        scheduled yet), one returned: on 11 Nov the pass reads the 10th's, the 11th's and the
        new one."""
        from notifier.domain import EndReason, LoanStatus

        for loan_id in ("L10", "L11", "L12", "LNONE", "LNEW"):
            await store.save_loan(loan(loan_id))
        await store.save_loan(
            loan("LRET", status=LoanStatus.ENDED, ended_reason=EndReason.RETURNED)
        )
        await store.schedule(
            {
                "L10": date(2026, 11, 10),
                "L11": date(2026, 11, 11),
                "L12": date(2026, 11, 12),
                "LNONE": None,
            }
        )
        await store.note_claimed([ClaimNote("L12", "ub:L12:reminder:v1", date(2026, 11, 12))])

        loans, noted = await store.due_chain(date(2026, 11, 11))
        assert sorted(x.loan_id for x in loans) == ["L10", "L11", "LNEW"]
        assert noted == set()
        loans, noted = await store.due_chain(date(2026, 11, 12))
        assert sorted(x.loan_id for x in loans) == ["L10", "L11", "L12", "LNEW"]
        assert noted == {"ub:L12:reminder:v1"}

        # A new event on a scheduled loan (a renewal: the due date moved) unschedules it.
        await store.schedule({"L10": date(2026, 12, 1), "LNEW": date(2026, 12, 1)})
        await store.save_loan(loan("L10", version=2))
        loans, _ = await store.due_chain(date(2026, 11, 11))
        assert sorted(x.loan_id for x in loans) == ["L10", "L11"]

    async def test_an_attempt_belongs_to_the_first_owner_that_takes_it(
        self, store: NotifierStore
    ) -> None:
        assert not await store.attempt_taken("ub:P1:reminder:2026-11-06", 0)
        assert await store.claim_attempt("ub:P1:reminder:2026-11-06", 0, "process-a")
        assert await store.claim_attempt("ub:P1:reminder:2026-11-06", 0, "process-a")
        assert not await store.claim_attempt("ub:P1:reminder:2026-11-06", 0, "process-b")
        assert await store.claim_attempt("ub:P1:reminder:2026-11-06", 1, "process-b")
        assert await store.attempt_taken("ub:P1:reminder:2026-11-06", 0)

    async def test_a_letter_goes_pending_sending_sent_once(self, store: NotifierStore) -> None:
        recorded = await store.record_pending(letter())
        assert (recorded.letter, recorded.state) == (letter(), LetterState.PENDING)

        assert await store.open_letter_ids() == [letter().key]
        await store.begin_sending(letter(), NOW)
        assert [r.letter_id for r in await store.letters_in(LetterState.SENDING)] == [letter().key]
        await store.mark_sent(letter().key, NOW, "<m@x>", outgoing(letter().key))

        sent = await store.get_letter(letter().key)
        assert sent is not None
        assert (sent.state, sent.message_id) == (LetterState.SENT, "<m@x>")
        assert await store.open_letter_ids() == []
        # Recording the same letter again changes nothing once it left.
        assert (await store.record_pending(replace(letter(), items=()))).letter == letter()

    async def test_letters_listed_together_are_open_until_settled_and_a_settled_one_is_not(
        self, store: NotifierStore
    ) -> None:
        settled = letter("ub:P2:reminder:2026-11-06")
        await store.record_pending(settled)
        await store.mark(settled.key, LetterState.SUPERSEDED, "returned")

        await store.list_open([letter(), settled])
        recorded = await store.record_pending(letter(), listed=True)
        again = await store.record_pending(settled, listed=True)

        assert (recorded.state, again.state) == (LetterState.PENDING, LetterState.SUPERSEDED)
        assert await store.open_letter_ids() == [letter().key]

    async def test_a_refused_letter_goes_back_to_pending_with_its_attempts(
        self, store: NotifierStore
    ) -> None:
        await store.record_pending(letter())
        await store.begin_sending(letter(), NOW)

        await store.back_to_pending(letter().key, "connection refused")

        [pending] = await store.letters_in(LetterState.PENDING)
        assert (pending.attempts, pending.last_error) == (1, "connection refused")

    async def test_open_letters_are_listed_by_day_then_id_until_settled(
        self, store: NotifierStore
    ) -> None:
        older = replace(letter("ub:P1:courtesy:2026-11-03"), day=date(2026, 11, 3))
        printed = letter("ub:P1:recall3:2026-11-06", Channel.POST)
        other = replace(letter("ub:P2:courtesy:2026-11-03"), day=date(2026, 11, 3))
        for each in (older, letter(), printed, other):
            await store.record_pending(each)
        assert await store.open_letter_ids() == [printed.key, letter().key, older.key, other.key]
        await store.begin_sending(printed, NOW)
        await store.mark(older.key, LetterState.UNCERTAIN, "crash")
        await store.mark(other.key, LetterState.SUPERSEDED, "returned")

        pending = [r.letter_id for r in await store.letters_in(LetterState.PENDING)]
        assert pending == [letter().key]
        [sending] = await store.letters_in(LetterState.SENDING)
        assert (sending.letter, sending.state) == (printed, LetterState.SENDING)
        assert await store.open_letter_ids() == [printed.key, letter().key]
        uncertain = await store.get_letter(older.key)
        assert uncertain is not None
        assert uncertain.state is LetterState.UNCERTAIN

    async def test_a_days_printed_batch_is_a_set_of_letter_ids(self, store: NotifierStore) -> None:
        assert await store.add_to_batch(DAY, ["ub:P2:recall3", "ub:P1:recall3"]) == [
            "ub:P2:recall3",
            "ub:P1:recall3",
        ]
        assert await store.add_to_batch(DAY, ["ub:P1:recall3", "ub:P3:recall3"]) == [
            "ub:P2:recall3",
            "ub:P1:recall3",
            "ub:P3:recall3",
        ]
        assert await store.add_to_batch(date(2026, 11, 7), ["ub:P4:recall3"]) == ["ub:P4:recall3"]
        # An erasure takes a person's letters out; the last one out leaves nothing.
        assert await store.remove_from_batch(DAY, ["ub:P1:recall3"]) == [
            "ub:P2:recall3",
            "ub:P3:recall3",
        ]
        assert await store.remove_from_batch(date(2026, 11, 7), ["ub:P4:recall3"]) == []
        assert await store.remove_from_batch(date(2026, 11, 8), ["ub:P4:recall3"]) == []

    async def test_letters_are_listed_by_patron_and_loan(self, store: NotifierStore) -> None:
        older = replace(letter("ub:P1:courtesy:2026-11-03"), day=date(2026, 11, 3))
        printed = letter("ub:P1:recall3:2026-11-06", Channel.POST)
        for each in (older, letter(), printed):
            await store.record_pending(each)
        by_loan = [r.letter_id for r in await store.find_letters(loan_id="L1")]
        assert by_loan == sorted([older.key, letter().key, printed.key])
        assert await store.find_letters(patron_id="P2") == []

    async def test_a_report_is_kept_once(self, store: NotifierStore) -> None:
        report = Report("unreachable:ub:P1", "P1", "unreachable", ("L1",), "no contact", NOW)

        await store.add_report(report)
        await store.add_report(replace(report, reason="again"))

        assert await store.reports() == [report]

    async def test_the_retention_deletes_what_is_past_its_period_and_nothing_else(
        self, store: NotifierStore
    ) -> None:
        # On 6 November 2027 (08:00 UTC): 5 November 2026 is 366 days ago, 7 November 364.
        cut = cutoffs(NotifierRetention(), datetime(2027, 11, 6, 8, tzinfo=UTC))
        old = replace(letter("ub:P1:reminder:2026-11-05"), day=date(2026, 11, 5))
        young = replace(letter("ub:P1:recall1:2026-11-07"), day=date(2026, 11, 7))
        pending = replace(letter("ub:P1:courtesy:2026-11-05"), day=date(2026, 11, 5))
        for each in (old, young, pending):
            await store.record_pending(each)
        assert await store.claim_attempt(old.key, 0, "me")
        await store.back_to_pending(old.key, "connection refused")
        assert await store.claim_attempt(old.key, 1, "me")
        await store.mark(old.key, LetterState.UNCERTAIN, "crash")
        await store.mark(young.key, LetterState.SUPERSEDED, "returned")
        await store.add_to_batch(date(2026, 11, 5), [old.key])
        await store.add_to_batch(date(2026, 11, 7), [young.key])
        ended = {"status": LoanStatus.ENDED, "ended_reason": EndReason.RETURNED}
        await store.save_loan(loan("L1", **ended, ended_at=datetime(2026, 11, 5, 8, tzinfo=UTC)))
        await store.save_loan(
            loan("L2", patron_id="P2", **ended, ended_at=datetime(2026, 11, 7, 8, tzinfo=UTC))
        )
        await store.save_loan(loan("L3", patron_id="P3"))
        assert await store.claim_key("ub:L1:reminder:v1", old.key)
        await store.note_claimed([ClaimNote("L1", "ub:L1:reminder:v1", None)])
        raised = Report("unreachable:ub:P1", "P1", "unreachable", ("L1",), "no contact", NOW)
        old_report = replace(raised, report_id="r-old", at=datetime(2026, 11, 5, 8, tzinfo=UTC))
        young_report = replace(raised, report_id="r-young", at=datetime(2026, 11, 7, 8, tzinfo=UTC))
        for each in (old_report, young_report):
            await store.add_report(each)
        for patron_id in ("P1", "P3", "P9"):
            await store.save_patron(replace(contact(), patron_id=patron_id), 1)

        assert await store.purge_letters(cut) == ["P1"]
        assert await store.get_letter(old.key) is None
        kept = {r.letter_id for r in await store.find_letters()}
        assert kept == {young.key, pending.key}  # 364 days; pending: never
        assert not await store.attempt_taken(old.key, 0)
        assert not await store.attempt_taken(old.key, 1)
        assert await store.batch_days_before(cut.letters_before) == [date(2026, 11, 5)]
        await store.drop_batch(date(2026, 11, 5))
        assert await store.batch_days_before(cut.letters_before) == []

        assert await store.purge_ended_loans(cut) == ["P1"]
        assert await store.get_loan("L1") is None
        assert await store.claimed_keys(["ub:L1:reminder:v1"]) == set()
        assert [x.loan_id for x in await store.loans_of_patron("P2")] == ["L2"]
        assert await store.get_loan("L3") is not None

        assert await store.purge_reports(cut) == 1
        assert await store.reports() == [young_report]

        # P1 still has letters, P3 an active loan: only P9 has nothing left to write about.
        assert await store.forget_idle_contacts({"P1", "P3", "P9"}) == 1
        assert set(await store.patrons(["P1", "P3", "P9"])) == {"P1", "P3"}


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> NotifierStore:
        return MemoryStore("ub")


@pytest.mark.integration
class TestMongoStore(StoreContract):
    @pytest.fixture
    async def store(self, namespace: Namespace) -> AsyncIterator[NotifierStore]:
        async with open_mongo(namespace.mongo()) as client:
            mongo = MongoStore(client[f"{namespace.database_prefix}ub_notifier"], "ub")
            await mongo.prepare()
            yield mongo
