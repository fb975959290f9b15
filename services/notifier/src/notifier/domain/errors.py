"""Named errors of the notifier domain and the `check_*` guards that raise them."""

from __future__ import annotations

from datetime import datetime


class NotifierDomainError(ValueError):
    """Base class: a rule of the letter chain was given bad input."""


class NaiveDatetimeError(NotifierDomainError):
    """A datetime without a time zone reached the domain (we store aware UTC)."""


class TenantMismatchError(NotifierDomainError):
    """Data of one institution was mixed with another's."""


class LoanMismatchError(NotifierDomainError):
    """An event was applied to the state of another loan."""


class UnknownInstitutionError(NotifierDomainError):
    """An institution code outside ub, ubm, scpo, inp, bsa."""


class InvalidSettingsError(NotifierDomainError):
    """A letter-chain setting is out of range."""


class MixedBatchError(NotifierDomainError):
    """A printed batch mixed days, institutions or channels."""


def check_aware(field: str, value: datetime) -> None:
    """Raise NaiveDatetimeError if `value` has no UTC offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{field} must be timezone-aware, got {value.isoformat()!r}")


def check_same_institution(field: str, expected: str, actual: str) -> None:
    """Raise TenantMismatchError when `actual` is not the institution we are bound to."""
    if actual != expected:
        raise TenantMismatchError(f"{field} is {actual!r}, expected institution {expected!r}")
