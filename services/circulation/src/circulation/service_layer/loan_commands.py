"""Commands about loan actions, bulk returns, the patron account, the rules and the jobs."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from circulation.domain.explanation import LoanRuleExplanation, RuleExplanation
from rebub_shared import bounds
from rebub_shared.contracts.loans import LoanActivitySummary, LoanSnapshot

from .account_answers import (
    ItemHistory,
    JobAnswer,
    NetworkActivity,
    PatronAccount,
    PatronReturns,
    ReturnBatchAnswer,
)
from .answers import LoanDetails, LoanView
from .commands import Command, DeskCommand, ItemBarcode, PatronRef

LoanAction = Literal["lost", "claimed_returned", "found", "delete"]


class ActOnLoan(DeskCommand[LoanView]):
    """Lost, claimed returned, item found, or delete (no return: the item becomes missing)."""

    loan_id: str
    action: LoanAction


class AddLoanNote(DeskCommand[LoanDetails]):
    loan_id: str
    note: bounds.Note


class Scan(BaseModel):
    """One scanned item of a bulk return; ``returned_at`` backdates it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    item_barcode: str = Field(
        max_length=64, description="Checked per line: a bad barcode is that line's error."
    )
    returned_at: bounds.Instant | None = None


class ReturnItems(DeskCommand[ReturnBatchAnswer]):
    """Bulk returns: items of any patrons, one answer line each; ``session_id`` groups them."""

    scans: tuple[Scan, ...] = Field(min_length=1, max_length=1000)
    session_id: str | None = None


class ShowLoan(DeskCommand[LoanDetails]):
    """A loan with its hidden details and notes."""

    loan_id: str


class ShowItemHistory(DeskCommand[ItemHistory]):
    """The item's loans of the last year."""

    item_barcode: ItemBarcode


class ListPatronReturns(DeskCommand[PatronReturns]):
    """The patron's returns (kept one year): all, or those of one desk session."""

    patron: PatronRef
    session_id: str | None = None


class ShowPatronAccount(DeskCommand[PatronAccount]):
    """The patron account: identity, loans, returns, requests, blocks (refreshed now)."""

    patron: PatronRef
    session_id: str | None = None


class ShowNetworkActivity(DeskCommand[NetworkActivity]):
    """The patron's loans in the other institutions (read only)."""

    patron: PatronRef


class ExplainLoanRules(DeskCommand[LoanRuleExplanation]):
    loan_id: str


class ExplainRules(DeskCommand[RuleExplanation]):
    """Dry run: which rule, due date and blocks a checkout would give at ``at``."""

    patron: PatronRef
    item_barcode: ItemBarcode
    at: AwareDatetime | None = None


class RecordNetworkActivity(Command[bool]):
    """Keep another institution's loan summary (from ``net.loan-activity.v1``)."""

    summary: LoanActivitySummary


class RunAgedToLost(Command[JobAnswer]):
    """Declare lost every loan more than the litigation delay overdue (the job)."""


class RunRetention(Command[JobAnswer]):
    """Anonymise loans and returns (and drop network summaries) older than the history delay."""


class RestoreLoan(Command[bool]):
    """Write back a loan the store lacks, from its state on ``{inst}.circulation.loan-state.v1``
    (a rebuild: ``rebub rebuild``). Idempotent; a loan the service wrote itself is untouched."""

    loan: LoanSnapshot


class ForgetRestoredLoan(Command[bool]):
    """A tombstone on the loan-state topic: a loan restored from an older state has closed since."""

    loan_id: bounds.EventId
