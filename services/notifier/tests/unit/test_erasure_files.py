"""An erasure and the printed letters on disk (issue 21): the day's PDF batch is rewritten
without the erased person's letters, and removed when they held the last one. Real files in a
temporary folder, the real PDF printer; the store is the in-memory one."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from notifier.adapters.memory_store import MemoryStore
from notifier.adapters.pdf_printer import PdfPrinter
from notifier.adapters.rendering import LetterRenderer
from notifier.bootstrap import bootstrap
from notifier.domain import LoanEventKind, PatronContact, institution_settings
from notifier.service_layer import ApplyLoanEvent, ApplyPatronChange, ForgetPatron, RunDailyPass
from notifier.settings import NotifierSettings
from rebub_shared.clock import MovableClock
from rebub_shared.contracts.loans import ANONYMISED_PATRON

from .conftest import paris
from .fakes import FakeMailer, event

REMINDER_DAY = paris(2026, 11, 6, 9)  # loans created on 2 November, due on the 6th


def _pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf.read_bytes()))


async def test_an_erasure_rewrites_the_printed_batch_without_the_person_then_removes_it(
    patron: Callable[..., PatronContact], tmp_path: Path
) -> None:
    store = MemoryStore("ub")
    printer = PdfPrinter(tmp_path / "letters", LetterRenderer(institution_settings("ub")))
    settings = NotifierSettings(tenant="ub", environment="test")
    clock = MovableClock(REMINDER_DAY)
    n = bootstrap(settings, clock=clock, store=store, mailer=FakeMailer(), printer=printer)
    for i in (1, 2):  # two patrons without an email: their reminders are printed
        await n.handle(ApplyPatronChange(patron(patron_id=f"P{i}", email=None), 1))
        await n.handle(
            ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0, loan_id=f"L{i}", patron_id=f"P{i}"))
        )
    await n.handle(RunDailyPass(clock.now()))
    batch = tmp_path / "letters" / "ub" / "2026-11-06.pdf"
    assert _pages(batch) == 2
    before = batch.read_bytes()

    await n.handle(ForgetPatron("ub", "P1", erasure=True))

    assert _pages(batch) == 1  # P2's letter only
    assert batch.read_bytes() != before
    assert [k for k in store.batches["2026-11-06"] if ":P1:" in k] == []
    await n.handle(ForgetPatron("ub", "P1", erasure=True))  # a replay: nothing changes
    assert _pages(batch) == 1

    await n.handle(ForgetPatron("ub", "P2", erasure=False))  # a purge: letters are kept
    assert _pages(batch) == 1
    await n.handle(ForgetPatron("ub", "P2", erasure=True))  # the last letter of the batch
    assert not batch.exists()
    assert list(batch.parent.iterdir()) == []  # no partial file left either


async def test_after_an_erasure_nothing_in_the_notifier_names_the_person(
    patron: Callable[..., PatronContact], tmp_path: Path
) -> None:
    """Issue 21: P1's loan in the chain, letter, its attempt and key, and the report (printed:
    no email) go; the loan's later events come anonymised and stay out of the chain, so the
    next pass neither writes nor reports anything."""
    store = MemoryStore("ub")
    printer = PdfPrinter(tmp_path / "letters", LetterRenderer(institution_settings("ub")))
    settings = NotifierSettings(tenant="ub", environment="test")
    clock = MovableClock(REMINDER_DAY)
    n = bootstrap(settings, clock=clock, store=store, mailer=FakeMailer(), printer=printer)
    await n.handle(ApplyPatronChange(patron(patron_id="P1", email=None), 1))
    await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0, loan_id="L1")))
    await n.handle(RunDailyPass(clock.now()))
    assert (len(store.keys), len(store.attempts), len(store.report_docs)) == (1, 1, 1)

    await n.handle(ForgetPatron("ub", "P1", erasure=True))

    held = (store.loans, store.letters, store.keys, store.attempts, store.report_docs)
    assert held == ({}, {}, {}, {}, {})
    assert (store.open, store.patron_docs) == ({}, {})
    anonymised = event(LoanEventKind.RENEWED, 2, 1, due_day=12, patron_id=ANONYMISED_PATRON)
    await n.handle(ApplyLoanEvent(anonymised))
    clock.set(paris(2026, 11, 20, 9))  # past every stage of the renewed due date
    summary = await n.handle(RunDailyPass(clock.now()))
    assert (summary.unreachable, store.loans, store.report_docs) == (0, {}, {})
