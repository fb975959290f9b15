"""The notifier's commands, named in the imperative; ``R`` in ``Command[R]`` is what the
command's handler answers (``bus.handle`` returns it, typed).

The institution is the notifier instance's own (the context's): the commands that carry data
of another service (a loan event, a patron, a request) name theirs, and the handler refuses
another institution's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from rebub_shared.messagebus import Command

from ..domain import HoldNotice, LoanEvent, LoanInChain, PatronContact
from ..domain.retention import NotifierRetention
from .records import LetterRecord, Report

if TYPE_CHECKING:  # daily_pass runs these commands: its answers are named for the types only
    from .daily_pass import DayPlan, PassSummary  # noqa: F401  (quoted in the bases below)


def no_lap(step: str) -> None:
    """The default step timer of ``PlanDay``: nothing is timed."""
    return None


@dataclass(frozen=True)
class ApplyLoanEvent(Command[LoanInChain]):
    """A loan moved (created, renewed, returned...): keep its state in the reminder chain."""

    event: LoanEvent


@dataclass(frozen=True)
class RestoreLoan(Command[bool]):
    """A loan's state from the loan-state topic: keep it if the store lacks it (a rebuild)."""

    event: LoanEvent


@dataclass(frozen=True)
class ForgetRestoredLoan(Command[bool]):
    """A tombstone on the loan-state topic: the loan has closed."""

    loan_id: str


@dataclass(frozen=True)
class ForgetPatron(Command[int]):
    """A tombstone on ``{inst}.patron.v1``: the patron's contact data goes; for an erasure
    (``erasure``) their letters (attempts, keys), loans in the chain and reports too, and the
    day's printed batches (PDF) that held a letter are rewritten without it (``.eml`` files
    are not the notifier's: docs/privacy.md)."""

    institution: str
    patron_id: str
    erasure: bool = True


@dataclass(frozen=True)
class ApplyPatronChange(Command[bool]):
    """A patron's contact data changed; ``version`` orders the changes (True when written)."""

    patron: PatronContact
    version: int


@dataclass(frozen=True)
class SendActivityReport(Command[LetterRecord]):
    """Email (or print) the patron's current loans; the same ``request_id`` sends it once."""

    patron_id: str
    request_id: str


@dataclass(frozen=True)
class SendLoanReceipt(Command[LetterRecord]):
    """Email (or print) the receipt of one loan; the same ``request_id`` sends it once."""

    loan_id: str
    request_id: str


@dataclass(frozen=True)
class SendHoldAvailable(Command[LetterRecord | None]):
    """Tell the patron of ``institution``'s request that the item waits on the hold shelf
    (None: the patron cannot be reached, reported to staff)."""

    institution: str
    patron_id: str
    hold: HoldNotice


@dataclass(frozen=True)
class RunDailyPass(Command["PassSummary"]):
    """Send what is due on the Paris day of ``now`` (catching up after downtime)."""

    now: datetime


@dataclass(frozen=True)
class RunRetention(Command[dict[str, int]]):
    """Delete what is past its period on ``now`` (``notifier.domain.retention``); how many
    records of each kind went."""

    now: datetime
    retention: NotifierRetention


@dataclass(frozen=True)
class PlanDay(Command["DayPlan"]):
    """Read and compute the letters due on ``day`` without recording or sending them;
    ``lap(step)`` is called after each step (the benchmark times them)."""

    day: date
    lap: Callable[[str], None] = no_lap
    #: False for a preview (``GET /letters/plan``): nothing is written, not even the schedule
    #: of the loans read (a future day's schedule would hide them from the passes before it).
    record: bool = True


@dataclass(frozen=True)
class RecoverInFlight(Command[int]):
    """At start, before any pass: settle the letters a crash left in flight (answers how many
    were being sent)."""


@dataclass(frozen=True)
class FindLetters(Command[list[LetterRecord]]):
    """The letters of a patron or of a loan, every state included."""

    patron_id: str | None = None
    loan_id: str | None = None


@dataclass(frozen=True)
class ListReports(Command[list[Report]]):
    """The cases for staff: unreachable patrons, changed channels, letters that may have left."""
