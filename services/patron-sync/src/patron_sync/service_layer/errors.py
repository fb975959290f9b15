"""Errors of the service layer (lookups); like the domain's, each names the field and the value."""

from patron_sync.domain.errors import PatronSyncError


class PatronNotFoundError(PatronSyncError):
    """No account with this id in this institution zone (nor in the network zone)."""


class BarcodeNotFoundError(PatronSyncError):
    """No account of this IZ holds the barcode: search by name (the barcode may be missing from
    the account, or the account is not yet in this IZ; a name search copies it from the NZ)."""


class AccountExistsError(PatronSyncError):
    """An account with this id already exists in this institution zone."""
