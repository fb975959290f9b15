"""Patron events: network zone accounts on ``nz.patron.v1``, an institution zone's patrons on
``{inst}.patron.v1``, external readers on ``net.external-reader.v1``.

Keys: the patron's primary id. ``nz.patron.v1`` and ``net.external-reader.v1`` are compacted: the
newest record per key is the account; a tombstone (null value) purges it. Every snapshot has a
``version`` that only grows; subscribers keep the newest.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from rebub_shared import bounds
from rebub_shared.cloudevents import EventPayload
from rebub_shared.tenancy import InstitutionCode

AccountKind = Literal["external", "external_reader", "waiting"]

#: The header of a patron topic's tombstone that erases a person (GDPR article 17; its value
#: names the erasure request). A tombstone without it is a purge: only projections forget.
ERASURE_HEADER = "rebub_erasure"


class PostalAddress(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lines: list[bounds.EventName] = Field(max_length=10)
    postal_code: bounds.EventCode
    city: bounds.EventName
    country: bounds.EventName = "France"


class Contact(BaseModel):
    """How to reach a patron: the preferred email first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    emails: list[bounds.EventName] = Field(default_factory=list, max_length=20)
    addresses: list[PostalAddress] = Field(default_factory=list, max_length=20)
    phones: list[bounds.EventName] = Field(default_factory=list, max_length=20)


class NzAccount(BaseModel):
    """A network zone account, as the DSI feed of its source institution gives it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    primary_id: bounds.EventId
    source: InstitutionCode = Field(description="The institution whose DSI feed holds the account.")
    last_name: bounds.EventName
    first_name: bounds.EventName
    user_group: bounds.EventCode
    expiry_date: date
    contact: Contact
    barcodes: list[bounds.EventId] = Field(default_factory=list)
    campus: bounds.EventName | None = None
    absent_since: date | None = Field(default=None, description="Missing from the last full feed.")
    fingerprint: bounds.EventId = Field(
        description="Hash of the feed fields: unchanged accounts are not sent."
    )
    version: int = Field(ge=1)


class NzAccountChanged(EventPayload):
    """A network zone account was created or changed by a DSI import (key: primary id)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.nz-patron.changed.v1"
    account: NzAccount


class StaffBlock(BaseModel):
    """A block staff set on the account in this institution zone: it refuses loans from
    ``starts_on`` to ``ends_on`` included (Paris days; no end: until lifted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    block_id: bounds.EventId
    block_type: bounds.EventCode
    reason: bounds.EventReason = ""
    starts_on: date | None = None
    ends_on: date | None = None
    created_by: bounds.EventName | None = None


class AccountNote(BaseModel):
    """A note on the account in this institution zone; ``at_desk``: shown to the desk when the
    patron is identified for a loan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    note_id: bounds.EventId
    text: bounds.EventReason
    at_desk: bool = False
    created_by: bounds.EventName | None = None


def _legacy_blocks(value: object) -> object:
    """Snapshots written before blocks were carried whole list their types only."""
    if isinstance(value, list):
        return [{"block_id": b, "block_type": b} if isinstance(b, str) else b for b in value]
    return value


class IzPatron(BaseModel):
    """A patron of one institution zone, with what circulation and the notifier need."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    primary_id: bounds.EventId
    institution: InstitutionCode
    kind: AccountKind
    last_name: bounds.EventName
    first_name: bounds.EventName
    user_group: bounds.EventCode
    expiry_date: date
    contact: Contact
    barcodes: list[bounds.EventId] = Field(
        description="The feed's barcodes and those the institution added."
    )
    local_blocks: Annotated[list[StaffBlock], BeforeValidator(_legacy_blocks)] = Field(
        default_factory=list,
        max_length=bounds.MAX_ADDITIONS,
        description="Blocks staff set on the account (lifted ones are gone).",
    )
    notes: list[AccountNote] = Field(default_factory=list, max_length=bounds.MAX_ADDITIONS)
    status: Literal["active", "closed"] = "active"
    version: int = Field(ge=1)


class PatronChanged(EventPayload):
    """A patron of this institution zone was linked, created or changed (key: primary id)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.patron.changed.v1"
    patron: IzPatron

    def issuer(self) -> str | None:
        return self.patron.institution


class WaitingAccountMerged(EventPayload):
    """A waiting account was merged into the institutional account that arrived: its loans move to
    ``primary_id`` and the waiting account is closed (key: the waiting account's id)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.patron.waiting-account-merged.v1"
    institution: InstitutionCode
    waiting_id: bounds.EventId
    primary_id: bounds.EventId
    merged_at: AwareDatetime

    def issuer(self) -> str | None:
        return self.institution


class ExternalReader(BaseModel):
    """An external reader (lecteur extérieur): created in one institution, copied into all five.
    Contact data, expiry and closure propagate; loans, notes and blocks stay local."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    primary_id: bounds.EventId
    created_by: InstitutionCode
    last_name: bounds.EventName
    first_name: bounds.EventName
    expiry_date: date
    contact: Contact
    barcodes: list[bounds.EventId]
    status: Literal["active", "closed"] = Field(
        default="active", description="A closed reader borrows in no institution; it is final."
    )
    version: int = Field(ge=1)
    updated_by: InstitutionCode | None = Field(
        default=None,
        description=(
            "The institution that wrote this version (absent: created_by). Two institutions "
            "changing a reader at once publish the same version; the later one in the order "
            "ub, ubm, scpo, inp, bsa wins everywhere."
        ),
    )


class ExternalReaderPublished(EventPayload):
    """An external reader was created, its contact data or expiry changed, or it was closed
    (key: primary id)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.external-reader.published.v1"
    reader: ExternalReader

    def issuer(self) -> str | None:
        return self.reader.updated_by or self.reader.created_by
