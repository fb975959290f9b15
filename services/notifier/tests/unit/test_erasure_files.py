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
