"""How long the notifier keeps what it wrote (issue 21 item 3), and which records are due on a
given clock. Pure: the store asks these rules (the fake) or their cut-offs (the real store).

- A letter (its text and addressee, its attempts, its place in a printed batch and the batch's
  PDF) is kept 1 year after its day once settled (sent, uncertain, superseded): the letters
  report answers for the same year as the loan history (DOMAIN.md section 8). A letter still
  pending or sending is never due: it has not gone yet.
- A loan in the chain is kept 1 year after it left the chain (returned, lost, deleted), as
  circulation keeps a closed loan's patron 1 year; an active loan is never due.
- A report for staff (an unreachable patron, a letter that may have left) is kept 1 year after
  it was raised.
- A contact has no period of its own: it goes when the retention removed its patron's last loan
  in the chain and last letter (nothing left to write about).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import Field

from rebub_shared.clock import paris_date
from rebub_shared.retention import Period, RetentionSettings

from .loan import LoanInChain, LoanStatus

LETTERS = Period(
    days=365,
    reason="the letters report answers for the same year as the loan history (DOMAIN.md "
    "section 8: loan history is kept 1 year); counted from the letter's day, once settled",
)
LOANS = Period(
    days=365,
    reason="a loan that left the chain needs no letter; kept the year circulation keeps a "
    "closed loan's patron (DOMAIN.md section 8), counted from its end",
)
REPORTS = Period(
    days=365,
    reason="staff look at a case within days; the year of the letters it is about",
)


class NotifierRetention(RetentionSettings):
    """The notifier's retention job and its periods (``REBUB_NOTIFIER__RETENTION__...``)."""

    letters: Period = Field(default=LETTERS, description="Settled letters, from their day.")
    loans: Period = Field(default=LOANS, description="Loans that left the chain, from their end.")
    reports: Period = Field(default=REPORTS, description="Reports for staff, from when raised.")


@dataclass(frozen=True)
class Cutoffs:
    """What is due on one clock: settled letters of a day before ``letters_before``, ended
    loans that ended before ``loans_ended_before``, reports raised before ``reports_before``."""

    letters_before: date
    loans_ended_before: datetime
    reports_before: datetime


def cutoffs(retention: NotifierRetention, now: datetime) -> Cutoffs:
    """The cut-offs of ``now`` (letters by their Paris day)."""
    return Cutoffs(
        letters_before=retention.letters.day_cutoff(paris_date(now)),
        loans_ended_before=retention.loans.cutoff(now),
        reports_before=retention.reports.cutoff(now),
    )


def letter_is_due(day: date, settled: bool, cut: Cutoffs) -> bool:
    """A settled letter of a day before the cut-off."""
    return settled and day < cut.letters_before


def loan_is_due(loan: LoanInChain, cut: Cutoffs) -> bool:
    """A loan that left the chain before the cut-off (one ended before its end was recorded
    is never due: no instant to count from)."""
    ended = loan.status is LoanStatus.ENDED and loan.ended_at is not None
    return ended and loan.ended_at is not None and loan.ended_at < cut.loans_ended_before


def report_is_due(raised_at: datetime, cut: Cutoffs) -> bool:
    """A report raised before the cut-off."""
    return raised_at < cut.reports_before
