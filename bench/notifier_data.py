"""A synthetic institution for the notifier benchmark: active loans, their patrons, and the
idempotency keys of the letters already sent, so that on each measured day exactly ``due`` loans
reach a stage of the letter chain and every other loan stays quiet.

Each measured day has its own patrons (about 0.6 per due loan, so a letter often covers two
loans), each at one stage: a courtesy letter for loans due in three days, a reminder for loans
due today, a recall for loans due 7, 21 or 35 days ago (recall 3 goes by post). Their earlier
stages are claimed, as if sent on earlier days. The other loans are either due later than the
last measured day's courtesy horizon (most of them), or overdue with their current stage already
sent and their next one after the last measured day. Every 100th patron has no email address
(printed letter, reported). Loaded in bulk through the notifier's own store and documents.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as wall_time

from notifier.adapters.documents import loan_to_doc, patron_to_doc, schedule_fields
from notifier.adapters.mongo_store import MongoStore
from notifier.domain import (
    CHAIN,
    InstitutionSettings,
    LoanInChain,
    PatronContact,
    PostalAddress,
    Stage,
    idempotency_key,
)
from rebub_shared.clock import paris_instant

DUE_STAGE_WEIGHTS = {
    Stage.COURTESY: 40,
    Stage.REMINDER: 25,
    Stage.RECALL1: 18,
    Stage.RECALL2: 14,
    Stage.RECALL3: 3,
}
QUIET_STAGE_WEIGHTS = {Stage.REMINDER: 40, Stage.RECALL1: 30, Stage.RECALL2: 20, Stage.RECALL3: 10}
QUIET_OVERDUE_SHARE = 0.2  # of the loans not due on a measured day
LOAN_DAYS = 28
TITLES = (
    "Les Misérables",
    "Physique statistique",
    "Histoire de Bordeaux",
    "Analyse numérique",
    "Le Droit administratif",
    "Œnologie et terroirs",
)
LIBRARIES = ("BUST", "BUSM", "BUDROIT", "BULETTRES")


@dataclass
class Library:
    """The institution's data, in the domain's objects; ``claimed``: (key, letter id) pairs."""

    patrons: list[PatronContact] = field(default_factory=list)
    loans: list[LoanInChain] = field(default_factory=list)
    claimed: list[tuple[str, str]] = field(default_factory=list)


def synthetic_library(
    loans: int, due: int, days: Sequence[date], settings: InstitutionSettings, seed: int = 2026
) -> Library:
    """`loans` active loans of which exactly `due` reach a stage on each of `days` (consecutive)."""
    quiet = loans - due * len(days)
    if quiet < 0 or due < 1:
        raise ValueError(f"loans={loans} cannot hold due={due} on each of {len(days)} days")
    if len(days) > 3:  # a courtesy letter's reminder comes 3 days later and would be due too
        raise ValueError(f"days holds {len(days)} days, at most 3")
    rng = random.Random(seed)
    builder = _Builder(settings, rng, days[0], days[-1])
    due_patrons = max(1, round(due * 0.6))
    patron_count = max(loans // 3, due_patrons * len(days) + 1)
    builder.library.patrons = [_patron(settings.code, n) for n in range(patron_count)]
    for index, day in enumerate(days):
        first = index * due_patrons
        stages = rng.choices(list(DUE_STAGE_WEIGHTS), list(DUE_STAGE_WEIGHTS.values()), k=due)
        for n in range(due):
            patron = first + n % due_patrons
            builder.loan(patron, stages[n % due_patrons], day)
    quiet_stages = list(QUIET_STAGE_WEIGHTS)
    for _ in range(quiet):
        patron = rng.randrange(patron_count)
        if rng.random() < QUIET_OVERDUE_SHARE:
            builder.quiet_overdue(
                patron, rng.choices(quiet_stages, list(QUIET_STAGE_WEIGHTS.values()))[0]
            )
        else:
            builder.loan_due(patron, days[-1] + timedelta(days=rng.randint(4, 60)), ())
    return builder.library


class _Builder:
    def __init__(self, settings: InstitutionSettings, rng: random.Random, first: date, last: date):
        self.settings, self.rng, self.first, self.last = settings, rng, first, last
        self.offsets = {s: o for s in CHAIN if (o := settings.chain.offset_days(s)) is not None}
        self.library = Library()

    def loan(self, patron: int, stage: Stage, day: date) -> None:
        """A loan whose `stage` falls on `day`; the stages before it were sent."""
        chain = list(self.offsets)
        due_day = day - timedelta(days=self.offsets[stage])
        self.loan_due(patron, due_day, tuple(chain[: chain.index(stage)]))

    def quiet_overdue(self, patron: int, stage: Stage) -> None:
        """An overdue loan whose `stage` was sent and whose next stage comes after the last day."""
        chain = list(self.offsets)
        later = chain[chain.index(stage) + 1 :]
        earliest = self.last + timedelta(days=1 - self.offsets[later[0]]) if later else None
        latest = self.first - timedelta(days=1 + self.offsets[stage])
        earliest = earliest or latest - timedelta(days=90)
        due_day = earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))
        self.loan_due(patron, due_day, tuple(chain[: chain.index(stage) + 1]))

    def loan_due(self, patron: int, due_day: date, sent: tuple[Stage, ...]) -> None:
        n = len(self.library.loans)
        due_at = paris_instant(due_day, wall_time(19))
        loan = LoanInChain(
            institution=self.settings.code,
            loan_id=f"L{n:07d}",
            patron_id=_patron_id(patron),
            item_barcode=f"3{n:011d}",
            title=f"{self.rng.choice(TITLES)}, tome {n % 7 + 1}",
            library=self.rng.choice(LIBRARIES),
            due_at=due_at,
            due_set_at=min(due_at - timedelta(days=LOAN_DAYS), paris_instant(self.first)),
            event_version=1,
        )
        self.library.loans.append(loan)
        for stage in sent:
            day = due_day + timedelta(days=self.offsets[stage])
            letter_id = f"{loan.institution}:{loan.patron_id}:{stage.value}:{day.isoformat()}"
            key = idempotency_key(loan.institution, loan.loan_id, stage, loan.due_version)
            self.library.claimed.append((key, letter_id))


def _patron_id(n: int) -> str:
    return f"P{n:06d}"


def _patron(institution: str, n: int) -> PatronContact:
    return PatronContact(
        institution=institution,
        patron_id=_patron_id(n),
        first_name="Hélène",
        last_name=f"Lefèvre-{n}",
        email=None if n % 100 == 7 else f"patron{n}@etu.u-bordeaux.fr",
        postal_address=PostalAddress(("12 rue Sainte-Catherine",), "33000", "Bordeaux"),
    )


async def load(store: MongoStore, library: Library, batch: int = 5000) -> dict[str, float]:
    """Insert the library in bulk through the store's collections; seconds per collection."""
    docs = {
        "patrons": (
            store.patron_docs,
            [patron_to_doc(p) | {"version": 1} for p in library.patrons],
        ),
        # As ``save_loan`` writes them: not scheduled yet (the first pass schedules them).
        "loans": (
            store.loans,
            [loan_to_doc(loan) | schedule_fields(loan) for loan in library.loans],
        ),
        "letter_keys": (store.keys, [{"_id": k, "letter_id": i} for k, i in library.claimed]),
    }
    seconds = {}
    for name, (collection, rows) in docs.items():
        started = time.perf_counter()
        for offset in range(0, len(rows), batch):
            await collection.insert_many(rows[offset : offset + batch], ordered=False)
        seconds[name] = time.perf_counter() - started
    return seconds


def loading_counts(library: Library) -> dict[str, int]:
    return {
        "patrons": len(library.patrons),
        "loans": len(library.loans),
        "letter_keys": len(library.claimed),
    }


def now_of(day: date) -> datetime:
    """The moment of a day's pass: 06:00 in Paris, before the libraries open."""
    return paris_instant(day, wall_time(6))
