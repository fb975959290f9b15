"""Circulation domain: pure rules for loans, renewals, returns and blocks (no I/O, no clock).

Entry points for the service layer (every time is an aware datetime passed in as ``now``):

- ``load_institution_policy(code)`` (``policies.py``, the only I/O) -> ``InstitutionPolicy``.
- ``resolve_rule(policy, item, user_group)`` -> ``RuleDecision`` (period, rule names, criteria).
- ``due_at_for_loan`` / ``due_at_for_renewal`` -> ``DueDateExplanation`` ("check the rules").
- ``checkout_blocks(...)`` -> every ``Block``; ``check_out(...)`` -> ``Checkout`` with a new
  ``Loan`` (raises ``CheckoutBlockedError``; accepts an ``OverrideRequest``).
- ``Loan`` aggregate: ``renew``, ``change_due_date``, ``recall``, ``declare_lost``,
  ``claim_returned``, ``item_found``, ``delete``; ``check_in_loan(...)`` for returns.
  Each change bumps ``Loan.version`` and appends an event to ``Loan.pending_events`` (outbox),
  as every ``Request`` does: both are ``aggregate.Aggregate``s.
- ``LibraryCalendar.of(policy, library_code)`` for opening days and times.
"""

from .blocks import Block, checkout_blocks, patron_blocks
from .checkout import Checkout, check_out
from .due_dates import DueDateExplanation, due_at_for_loan, due_at_for_renewal
from .events import LoanEvent
from .item import Item, ItemStatusChanged, ItemStatusRefusedError, LoadedItem, change_status
from .library_calendar import LibraryCalendar
from .loan import Loan
from .overrides import OverrideRecord, OverrideRequest, check_override
from .patron import DeskNote, LocalBlock, Patron
from .period import Period
from .policies import load_institution_policy, load_policy_file
from .policy import InstitutionPolicy
from .returns import ReturnOutcome, check_in_loan, suspension_after_return
from .rules import RuleDecision, resolve_rule
from .vocabulary import (
    BlockKind,
    ItemStatus,
    LoanStatus,
    RenewalOrigin,
    TermsOfUse,
)

__all__ = [
    "Block",
    "BlockKind",
    "Checkout",
    "DeskNote",
    "DueDateExplanation",
    "InstitutionPolicy",
    "Item",
    "ItemStatus",
    "ItemStatusChanged",
    "ItemStatusRefusedError",
    "LibraryCalendar",
    "LoadedItem",
    "Loan",
    "LoanEvent",
    "LoanStatus",
    "LocalBlock",
    "OverrideRecord",
    "OverrideRequest",
    "Patron",
    "Period",
    "RenewalOrigin",
    "ReturnOutcome",
    "RuleDecision",
    "TermsOfUse",
    "change_status",
    "check_in_loan",
    "check_out",
    "check_override",
    "checkout_blocks",
    "due_at_for_loan",
    "due_at_for_renewal",
    "load_institution_policy",
    "load_policy_file",
    "patron_blocks",
    "resolve_rule",
    "suspension_after_return",
]
