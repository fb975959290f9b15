"""Named errors of the notifier domain and the `check_*` guards that raise them."""

from __future__ import annotations


class NotifierDomainError(ValueError):
    """Base class: a rule of the letter chain was given bad input."""


class TenantMismatchError(NotifierDomainError):
    """Data of one institution was mixed with another's."""


class LoanMismatchError(NotifierDomainError):
    """An event was applied to the state of another loan."""


class UnknownInstitutionError(NotifierDomainError):
    """An institution code that the network file does not define."""


class InvalidSettingsError(NotifierDomainError):
    """A letter-chain setting is out of range."""


class MixedBatchError(NotifierDomainError):
    """A printed batch mixed days, institutions or channels."""


def check_same_institution(field: str, expected: str, actual: str) -> None:
    """Raise TenantMismatchError when `actual` is not the institution we are bound to."""
    if actual != expected:
        raise TenantMismatchError(f"{field} is {actual!r}, expected institution {expected!r}")
