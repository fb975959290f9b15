"""Named domain errors. Each message names the field and the value that broke the rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .blocks import Block


class CirculationError(Exception):
    """Base of every circulation domain error (an HTTP layer maps it to a problem detail)."""


class TenantMismatchError(CirculationError):
    """Patron, item or policy belong to different institutions."""


class PolicyFileError(CirculationError):
    """A policy file cannot be read or does not validate (file, field path and value named)."""


class UnknownPolicyEntryError(CirculationError):
    """A library, location, desk, item policy or user group code is not in the policy."""


class CalendarNeverOpenError(CirculationError):
    """No opening day found within a year of the wanted day."""


class LibraryClosedError(CirculationError):
    """An opening-hours answer was asked for a day on which the library is closed."""


class LoanStatusError(CirculationError):
    """The action is not allowed for the loan's current status."""


class RecalledLoanNotRenewableError(LoanStatusError):
    """A recalled loan (the item is requested by another patron) cannot be renewed."""


class LoanNotRenewableError(CirculationError):
    """The rule that governs the loan does not allow renewal (e.g. hour loans)."""


class DueDateInPastError(CirculationError):
    """A new due date earlier than now was asked."""


class DueDateTooFarError(CirculationError):
    """A new due date more than a few years ahead was asked (a typo, or a hostile client)."""


class ReturnInFutureError(CirculationError):
    """A backdated return date is later than now."""


class ReturnBeforeLoanError(CirculationError):
    """A backdated return date is earlier than the loan date."""


class OverrideIncompleteError(CirculationError):
    """An override lacks its operator or its reason."""


class RenewalBlockedError(CirculationError):
    """The patron's blocks refuse renewals (the policy's ``renewal_guards``); ``blocks`` holds
    every reason."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        super().__init__("renewal blocked: " + "; ".join(b.message for b in blocks))


class BlockNotOverridableError(CirculationError):
    """An override was asked for a block the policy marks as not overridable."""


class CheckoutBlockedError(CirculationError):
    """The checkout is refused; ``blocks`` holds every reason, not only the first."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        super().__init__("checkout blocked: " + "; ".join(b.message for b in blocks))
