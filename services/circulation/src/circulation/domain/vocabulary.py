"""Closed vocabularies of circulation: institutions, terms of use, statuses, block kinds."""

from enum import StrEnum

# The network's institutions are defined once, in the shared library's network file.
from rebub_shared.tenancy import InstitutionCode as InstitutionCode


class TermsOfUse(StrEnum):
    """A location's terms of use (conditions d'utilisation): the first criterion of a loan rule."""

    BORROWABLE = "borrowable"
    BORROWABLE_LIMITED = "borrowable_limited"
    EVENING_WEEKEND = "evening_weekend"
    READING_ROOM_ONLY = "reading_room_only"


class ItemStatus(StrEnum):
    """Physical status of an item as circulation sees it."""

    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    IN_TRANSIT = "in_transit"
    ON_HOLD_SHELF = "on_hold_shelf"
    IN_PROCESS = "in_process"
    LOST = "lost"
    MISSING = "missing"


class LoanStatus(StrEnum):
    """Lifecycle of a loan. Open loans are every status but returned and deleted."""

    ACTIVE = "active"
    RECALLED = "recalled"
    RETURNED = "returned"
    LOST = "lost"
    CLAIMED_RETURNED = "claimed_returned"
    DELETED = "deleted"


OPEN_LOAN_STATUSES = frozenset(
    {LoanStatus.ACTIVE, LoanStatus.RECALLED, LoanStatus.LOST, LoanStatus.CLAIMED_RETURNED}
)


class RenewalOrigin(StrEnum):
    """Who renewed: staff at a desk, or the patron in the discovery interface."""

    DESK = "desk"
    PATRON = "patron"


class BlockKind(StrEnum):
    """Why a checkout may be refused. The policy says which kinds may be overridden."""

    OVERDUE = "overdue"
    SUSPENSION = "suspension"
    LITIGATION = "litigation"
    LOAN_LIMIT = "loan_limit"
    EXPIRED_ACCOUNT = "expired_account"
    LOCAL_BLOCK = "local_block"
    ITEM_NOT_LOANABLE = "item_not_loanable"
