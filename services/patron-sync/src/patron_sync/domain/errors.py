"""Named domain errors. Every message names the field and the value at fault."""


class PatronSyncError(Exception):
    """Base of every patron-sync domain error."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


class InvalidFieldError(PatronSyncError):
    """A field holds a value the rules refuse (malformed date, missing primary id...)."""


class UnknownUserGroupError(PatronSyncError):
    """The user group does not exist, or is not one the source institution may use."""


class NzOwnedFieldError(PatronSyncError):
    """An institution tried to edit a field the network zone (the DSI feed) owns."""


class DuplicateBarcodeError(PatronSyncError):
    """The barcode is already held by this patron or by another one."""


class SearchTermTooShortError(PatronSyncError):
    """A name search needs at least three letters."""


class AccountKindError(PatronSyncError):
    """The operation does not apply to this kind (or state) of account."""


class FixedFieldError(PatronSyncError):
    """The field is fixed once the account exists (a waiting account's institution)."""


class PrimaryIdTakenError(PatronSyncError):
    """Another account of the network already holds this primary id."""


class WaitingAccountMismatchError(PatronSyncError):
    """A waiting account and an institutional account that do not match were to be merged."""


class AdditionNotFoundError(PatronSyncError):
    """No note or block of the account has this id (already lifted or deleted, or never set)."""


class FeedRefusedError(Exception):
    """A whole feed file is refused before anything is applied (not a feed, wrong encoding,
    truncated XML, missing CSV header...). ``reason`` says why, ``where`` where it was found."""

    def __init__(self, feed: str, reason: str, where: str | None = None) -> None:
        self.feed = feed
        self.reason = reason
        self.where = where
        at = f" ({where})" if where else ""
        super().__init__(f"feed {feed!r} refused{at}: {reason}")
