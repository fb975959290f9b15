"""Letters the notifier sent, on ``{inst}.notifier.letter.v1`` (key: the patron id)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from rebub_shared import bounds
from rebub_shared.cloudevents import EventPayload
from rebub_shared.tenancy import InstitutionCode

LetterKind = Literal[
    "courtesy",
    "reminder",
    "recall1",
    "recall2",
    "recall3",
    "loan_receipt",
    "activity_report",
    "hold_available",
    "hold_expiring",
    "hold_expired",
    "request_cancelled",
    "loan_recalled",
    "digitisation_delivered",
]


class LetterSent(EventPayload):
    """A letter left: by email, or in the day's printed batch to be posted."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.letter.sent.v1"
    letter_id: bounds.EventName
    institution: InstitutionCode
    patron_id: bounds.EventId
    kind: LetterKind
    loan_ids: list[str]
    channel: Literal["email", "post"]
    sent_at: AwareDatetime
    reported_reason: str | None = Field(
        default=None, description="Why the channel differs from the usual one (e.g. no email)."
    )

    def issuer(self) -> str | None:
        return self.institution
