"""What the store keeps of a letter: the letter itself and where it stands in the sending protocol.

States, in order: PENDING (recorded, certainly not sent: safe to send or to drop), SENDING (its
idempotency keys are claimed and it was handed to SMTP or the printer), then SENT. A letter found
in SENDING when the notifier starts was interrupted by a crash: an email then becomes UNCERTAIN
(it may have left: never resent automatically, reported to staff); a printed letter is simply put
in the day's batch again (rewriting the batch file cannot print it twice). SUPERSEDED: a pending
letter whose items were returned, moved on in the chain or taken by another letter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from ..domain import Letter


class LetterState(StrEnum):
    """Where a letter stands in the exactly-once protocol."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"
    SUPERSEDED = "superseded"


# Letters whose sending is over (the retention may remove them; never one still open).
SETTLED = frozenset({LetterState.SENT, LetterState.UNCERTAIN, LetterState.SUPERSEDED})


@dataclass(frozen=True)
class LetterRecord:
    """A stored letter. attempts: failed deliveries so far; last_error: the latest reason."""

    letter: Letter
    state: LetterState
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    message_id: str | None = None

    @property
    def letter_id(self) -> str:
        return self.letter.key


def with_waiting_items(letter: Letter, stored: LetterRecord | None) -> Letter:
    """Today's letter plus the items its pending version already held (SMTP was down): they are
    no longer due by ``letters_due`` since their keys are claimed, yet must stay in it."""
    if stored is None or stored.state is not LetterState.PENDING:
        return letter
    new = {item.loan_id for item in letter.items}
    waiting = tuple(item for item in stored.letter.items if item.loan_id not in new)
    return replace(letter, items=waiting + letter.items)


@dataclass(frozen=True)
class ClaimNote:
    """A key claimed for a loan, to note on the loan with the loan's next stage day."""

    loan_id: str
    key: str
    next_day: date | None


@dataclass(frozen=True)
class Report:
    """A case staff must look at: a patron nobody can write to, a letter that may have left."""

    report_id: str
    patron_id: str
    kind: str  # "unreachable" | "uncertain" | "channel_changed"
    loan_ids: tuple[str, ...]
    reason: str
    at: datetime
