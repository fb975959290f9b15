"""What the HTTP API answers with."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from pydantic import BaseModel

from ..domain import LettersDue
from ..service_layer import LetterRecord, PassSummary, Report


class LetterView(BaseModel):
    """A letter and where it stands; state "uncertain": it may have left, check the mailbox."""

    letter_id: str
    kind: str
    patron_id: str
    loan_ids: list[str]
    channel: str
    day: date
    state: str
    sent_at: datetime | None
    message_id: str | None
    attempts: int
    last_error: str | None
    reported_reason: str | None

    @classmethod
    def of(cls, record: LetterRecord) -> LetterView:
        letter = record.letter
        return cls(
            letter_id=letter.key,
            kind=letter.kind.value,
            patron_id=letter.patron.patron_id,
            loan_ids=[item.loan_id for item in letter.items],
            channel=letter.channel.value,
            day=letter.day,
            state=record.state.value,
            sent_at=record.sent_at,
            message_id=record.message_id,
            attempts=record.attempts,
            last_error=record.last_error,
            reported_reason=letter.reported_reason,
        )


class ReportView(BaseModel):
    report_id: str
    patron_id: str
    kind: str
    loan_ids: list[str]
    reason: str
    at: datetime

    @classmethod
    def of(cls, report: Report) -> ReportView:
        return cls.model_validate(report, from_attributes=True)


class PlannedLetter(BaseModel):
    """A letter the pass of the day would send (nothing is recorded)."""

    stage: str
    patron_id: str
    channel: str
    loan_ids: list[str]
    reported_reason: str | None


class UnreachableView(BaseModel):
    stage: str
    patron_id: str
    loan_ids: list[str]
    reason: str


class PlanView(BaseModel):
    """What the pass of ``day`` would send, per stage and patron, and who cannot be reached."""

    day: date
    by_stage: dict[str, int]
    letters: list[PlannedLetter]
    unreachable: list[UnreachableView]

    @classmethod
    def of(cls, day: date, due: LettersDue) -> PlanView:
        letters = [
            PlannedLetter(
                stage=letter.kind.value,
                patron_id=letter.patron.patron_id,
                channel=letter.channel.value,
                loan_ids=[item.loan_id for item in letter.items],
                reported_reason=letter.reported_reason,
            )
            for letter in due.letters
        ]
        letters.sort(key=lambda letter: (letter.stage, letter.patron_id))
        return cls(
            day=day,
            by_stage=dict(Counter(letter.stage for letter in letters)),
            letters=letters,
            unreachable=[
                UnreachableView(
                    stage=u.stage.value,
                    patron_id=u.patron_id,
                    loan_ids=list(u.loan_ids),
                    reason=u.reason,
                )
                for u in due.unreachable
            ],
        )


class PassView(BaseModel):
    day: date
    states: dict[str, int]
    unreachable: int
    interrupted: bool

    @classmethod
    def of(cls, summary: PassSummary) -> PassView:
        return cls.model_validate(summary, from_attributes=True)
