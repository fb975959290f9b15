"""The owner-kept part of an account: for an external account, the NZ-owned fields of the DSI feed.

Models are frozen and lists are tuples: domain functions return new values, never mutate.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from patron_sync.domain.user_groups import UserGroup
from rebub_shared.bounds import ONE_LINE, Day
from rebub_shared.tenancy import InstitutionCode

# Feed and desk values alike: one line, no control character (a feed record holding one is
# refused with its number, never altered).
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=ONE_LINE)
]
PrimaryId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=255, pattern=r"^[^\s\x00-\x1f\x7f]+$"
    ),
]
#: At most this many emails, addresses, phones or identifiers on one record.
MAX_CONTACTS = 20


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Email(_Value):
    """An email address (syntax checked, deliverability not: no network in the domain)."""

    address: EmailStr
    preferred: bool = False


class Address(_Value):
    """A postal address, Alma's ``<address>`` shape."""

    line1: Text
    line2: Text | None = None
    postal_code: Text | None = None
    city: Text | None = None
    country: Text | None = None
    preferred: bool = False


class Phone(_Value):
    """A phone number, kept as written."""

    number: Text
    preferred: bool = False


class Identifier(_Value):
    """A secondary identifier, e.g. ``BARCODE`` for a card (an Aquipass card, a reader card)."""

    id_type: Text = "BARCODE"
    value: PrimaryId


class PatronRecord(_Value):
    """Identity and contact data of an account, kept by the account's owner.

    For an external (institutional) account every field here is NZ-owned: it comes from the
    ``source_institution``'s DSI feed and is overwritten by the next import. For an external
    reader the owner is the creating institution; for a waiting account, the institution itself.
    """

    primary_id: PrimaryId
    last_name: Text
    first_name: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=255, pattern=ONE_LINE)
    ] = ""
    user_group: UserGroup
    expiry_date: Day
    source_institution: InstitutionCode
    campus: Text | None = None
    emails: tuple[Email, ...] = Field(default=(), max_length=MAX_CONTACTS)
    addresses: tuple[Address, ...] = Field(default=(), max_length=MAX_CONTACTS)
    phones: tuple[Phone, ...] = Field(default=(), max_length=MAX_CONTACTS)
    identifiers: tuple[Identifier, ...] = Field(default=(), max_length=MAX_CONTACTS)

    def barcodes(self) -> set[str]:
        """Values of the record's ``BARCODE`` identifiers."""
        return {i.value for i in self.identifiers if i.id_type == "BARCODE"}


#: Names of the NZ-owned fields (all fields of :class:`PatronRecord`).
NZ_OWNED_FIELDS: frozenset[str] = frozenset(PatronRecord.model_fields)

#: Default (a setting in spirit, fixed by DOMAIN.md): what an external reader's change propagates.
PROPAGATED_READER_FIELDS: frozenset[str] = frozenset(
    {"emails", "addresses", "phones", "expiry_date"}
)
