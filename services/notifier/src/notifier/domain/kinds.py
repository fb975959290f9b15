"""Stages of the overdue chain, kinds of letter and sending channels."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """A step of the overdue letter chain, in chain order (DOMAIN.md section 7)."""

    COURTESY = "courtesy"
    REMINDER = "reminder"
    RECALL1 = "recall1"
    RECALL2 = "recall2"
    RECALL3 = "recall3"


CHAIN: tuple[Stage, ...] = tuple(Stage)


class LetterKind(StrEnum):
    """Every letter the notifier writes: the five chain stages and the letters on request."""

    COURTESY = "courtesy"
    REMINDER = "reminder"
    RECALL1 = "recall1"
    RECALL2 = "recall2"
    RECALL3 = "recall3"
    LOAN_RECEIPT = "loan_receipt"
    ACTIVITY_REPORT = "activity_report"
    HOLD_AVAILABLE = "hold_available"
    HOLD_EXPIRING = "hold_expiring"  # the last day on the hold shelf is near
    HOLD_EXPIRED = "hold_expired"  # not collected from the hold shelf in time
    REQUEST_CANCELLED = "request_cancelled"
    LOAN_RECALLED = "loan_recalled"  # to the borrower: another patron wants the item
    DIGITISATION_DELIVERED = "digitisation_delivered"  # the copy's link, to the requester

    @property
    def about_a_request(self) -> bool:
        """The letters a request's events send (one per request and kind)."""
        return self in _REQUEST_NOTICES

    @classmethod
    def of_stage(cls, stage: Stage) -> LetterKind:
        """The letter kind written for a chain stage."""
        return cls(stage.value)


_REQUEST_NOTICES = frozenset(
    {
        LetterKind.HOLD_AVAILABLE,
        LetterKind.HOLD_EXPIRING,
        LetterKind.HOLD_EXPIRED,
        LetterKind.REQUEST_CANCELLED,
        LetterKind.LOAN_RECALLED,
        LetterKind.DIGITISATION_DELIVERED,
    }
)


class Channel(StrEnum):
    """How a letter reaches the patron."""

    EMAIL = "email"
    POST = "post"
