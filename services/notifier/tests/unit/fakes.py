"""Fakes of the notifier's ports, and a notifier's bus wired with them through ``bootstrap``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from notifier.adapters.memory_store import MemoryStore
from notifier.bootstrap import bootstrap
from notifier.domain import Letter, LoanEvent, LoanEventKind
from notifier.service_layer import NotifierBus
from notifier.settings import NotifierSettings
from rebub_shared.clock import MovableClock

from .conftest import paris

LOAN_DAY = date(2026, 11, 2)  # a Monday; the loans below are due on day +4 at 19:00


def event(
    kind: LoanEventKind,
    version: int,
    day: int,
    due_day: int = 4,
    loan_id: str = "L1",
    patron_id: str = "P1",
) -> LoanEvent:
    """A loan event of `day` (days after LOAN_DAY) with the loan due on `due_day` at 19:00."""
    at, due = LOAN_DAY + timedelta(days=day), LOAN_DAY + timedelta(days=due_day)
    return LoanEvent(
        kind=kind,
        institution="ub",
        loan_id=loan_id,
        loan_version=version,
        occurred_at=paris(at.year, at.month, at.day, 10),
        patron_id=patron_id,
        item_barcode=f"B-{loan_id}",
        title=f"Titre {loan_id}",
        library="BU Sciences et techniques",
        due_at=paris(due.year, due.month, due.day, 19),
    )


class FakeMailer:
    """Records what it sends; `failures` are raised first, one per call; `block` hangs a send."""

    def __init__(self) -> None:
        self.sent: list[tuple[Letter, str]] = []
        self.failures: list[Exception] = []
        self.block: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def send(self, letter: Letter, message_id: str, now: datetime) -> None:
        self.entered.set()
        if self.block is not None:
            await self.block.wait()
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((letter, message_id))


class FakePrinter:
    """Keeps the latest content of each day's batch (letter ids), as the PDF file would, and
    counts the writes; `failures` are raised first; `block` hangs a write, before the file is
    written or, with `block_after_write`, after it."""

    def __init__(self) -> None:
        self.batches: dict[tuple[str, date], list[str]] = {}
        self.writes = 0
        self.failures: list[Exception] = []
        self.block: asyncio.Event | None = None
        self.block_after_write = False
        self.entered = asyncio.Event()

    async def write_batch(self, institution: str, day: date, letters: Sequence[Letter]) -> str:
        self.entered.set()
        if self.block is not None and not self.block_after_write:
            await self.block.wait()
        if self.failures:
            raise self.failures.pop(0)
        self.batches[(institution, day)] = sorted(letter.key for letter in letters)
        self.writes += 1
        if self.block is not None:
            await self.block.wait()
        return f"{institution}/{day}.pdf"

    async def remove_batch(self, institution: str, day: date) -> None:
        self.batches.pop((institution, day), None)


def fake_notifier(
    clock: MovableClock, store: MemoryStore | None = None, mailer: FakeMailer | None = None
) -> tuple[NotifierBus, MemoryStore, FakeMailer, FakePrinter]:
    """A ub notifier's bus on fakes (a new one over the same store plays a restart): the tests
    run every command through ``bus.handle``, as the entrypoints do."""
    store = store or MemoryStore("ub")
    mailer = mailer or FakeMailer()
    printer = FakePrinter()
    settings = NotifierSettings(tenant="ub", environment="test")
    notifier = bootstrap(settings, clock=clock, store=store, mailer=mailer, printer=printer)
    return notifier, store, mailer, printer
