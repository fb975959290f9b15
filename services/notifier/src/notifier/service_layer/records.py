"""What the store keeps of a letter: the letter itself and where it stands in the sending protocol.

States, in order: PENDING (recorded, certainly not sent: safe to send or to drop), SENDING (its
idempotency keys are claimed and it was handed to SMTP or the printer), then SENT. A letter found
in SENDING when the notifier starts was interrupted by a crash: an email then becomes UNCERTAIN
(it may have left: never resent automatically, reported to staff); a printed letter is simply put
in the day's batch again (rewriting the batch file cannot print it twice). SUPERSEDED: a pending
letter whose items were returned, moved on in the chain or taken by another letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..domain import Letter


class LetterState(StrEnum):
    """Where a letter stands in the exactly-once protocol."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"
    SUPERSEDED = "superseded"


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


@dataclass(frozen=True)
class Report:
    """A case staff must look at: a patron nobody can write to, a letter that may have left."""

    report_id: str
    patron_id: str
    kind: str  # "unreachable" | "uncertain" | "channel_changed"
    loan_ids: tuple[str, ...]
    reason: str
    at: datetime
