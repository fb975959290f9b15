"""Errors of the service layer: a reference that matches nothing, a conflict with stored state.

Each carries ``field`` and ``value`` so the HTTP layer's problem details name the bad input.
"""

from __future__ import annotations

from circulation.domain.errors import CirculationError


class InputError(CirculationError):
    """Base of the errors about one field of a command; the message names field and value."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}={value!r}: {message}")
        self.field = field
        self.value = value


class UnknownItemError(InputError):
    """No item with this barcode in the institution."""


class UnknownPatronError(InputError):
    """No patron with this primary id or card barcode in the institution."""


class LoanNotFoundError(InputError):
    """No loan with this id in the institution."""


class UnknownDeskError(InputError):
    """The desk is missing or is not a circulation desk of the institution."""


class InvalidItemRecordError(InputError):
    """An item record (file line or API entry) does not fit the institution's policy."""


class ItemOnLoanError(InputError):
    """The item already has an open loan (two desks lent it at the same time)."""


class ItemNotOnLoanError(InputError):
    """A return for an item that has no open loan."""


class PatronAccountClosedError(InputError):
    """The patron's account is closed (e.g. a waiting account merged into its institutional one)."""


class ConcurrentUpdateError(InputError):
    """The loan changed since it was read (optimistic versioning): the command may be retried."""


class RequestNotFoundError(InputError):
    """No request with this id in the institution."""
