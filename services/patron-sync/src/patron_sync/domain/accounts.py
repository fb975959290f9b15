"""An account in one institution zone: the owner's record plus what this IZ added."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from patron_sync.domain.patron import Identifier, PatronRecord, Text
from rebub_shared.bounds import LINES
from rebub_shared.clock import paris_date
from rebub_shared.tenancy import InstitutionCode

AwareDatetimeAdapter: TypeAdapter[datetime] = TypeAdapter(AwareDatetime)

NoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000, pattern=LINES)
]


class AccountKind(StrEnum):
    """Where an account comes from."""

    #: Institutional account from a DSI feed, copied from the NZ; its record is NZ-owned.
    EXTERNAL = "external"
    #: Internal: a reader outside the university community, created in one IZ, copied to all five.
    EXTERNAL_READER = "external_reader"
    #: Internal: temporary account for an institutional reader not yet in the daily import.
    WAITING = "waiting"


class AccountStatus(StrEnum):
    """Open accounts are usable; a merged waiting account is closed, never deleted."""

    ACTIVE = "active"
    CLOSED = "closed"


class _Addition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Note(_Addition):
    """A note shown on the account in this IZ; ``at_desk``: shown to the desk when the patron is
    identified for a loan (a pop-up note)."""

    note_id: Text
    text: NoteText
    created_at: AwareDatetime
    created_by: Text
    at_desk: bool = False
    edited_at: AwareDatetime | None = None
    edited_by: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_stored(cls, data: Any) -> Any:
        """Notes stored before they had ids still load."""
        if isinstance(data, dict) and "note_id" not in data and "created_at" in data:
            data = dict(data) | {"note_id": _stamp(data["created_at"])}
        return data


def _stamp(at: Any) -> str:
    """An id for an addition stored before additions had ids: its creation instant (UTC)."""
    instant: datetime = AwareDatetimeAdapter.validate_python(at)
    return instant.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")


class LocalBlock(_Addition):
    """A block set by this IZ's staff (not the computed circulation blocks): it applies from
    ``starts_on`` to ``ends_on`` included (Paris days; no end: until lifted)."""

    block_id: Text
    block_type: Text
    reason: NoteText
    starts_on: date
    ends_on: date | None = None
    created_at: AwareDatetime
    created_by: Text

    @model_validator(mode="before")
    @classmethod
    def _from_stored(cls, data: Any) -> Any:
        """Blocks stored before they had ids and days (an ``expires_at`` instant) still load."""
        if not isinstance(data, dict) or "created_at" not in data:
            return data
        data = dict(data)
        expires = data.pop("expires_at", None)
        created = AwareDatetimeAdapter.validate_python(data["created_at"])
        data.setdefault("block_id", _stamp(created))
        data.setdefault("starts_on", paris_date(created))
        if expires is not None and "ends_on" not in data:
            data["ends_on"] = paris_date(AwareDatetimeAdapter.validate_python(expires))
        return data

    def active_on(self, day: date) -> bool:
        """True if the block applies on Paris day ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def ended_before(self, day: date) -> bool:
        """True once the block's last day is behind ``day``: it no longer counts."""
        return self.ends_on is not None and self.ends_on < day


class Statistic(_Addition):
    """A local statistical category, e.g. ``("LABO", "IMS")``."""

    category: Text
    value: Text


class InstitutionAdditions(_Addition):
    """What one IZ adds to an account. Kept by every NZ import and never propagated."""

    identifiers: tuple[Identifier, ...] = ()
    notes: tuple[Note, ...] = ()
    local_blocks: tuple[LocalBlock, ...] = ()
    statistics: tuple[Statistic, ...] = ()

    def merged_with(self, other: "InstitutionAdditions") -> "InstitutionAdditions":
        """This IZ's additions followed by ``other``'s, identifiers without repetition."""
        seen = {(i.id_type, i.value) for i in self.identifiers}
        extra = tuple(i for i in other.identifiers if (i.id_type, i.value) not in seen)
        return InstitutionAdditions(
            identifiers=self.identifiers + extra,
            notes=self.notes + other.notes,
            local_blocks=self.local_blocks + other.local_blocks,
            statistics=self.statistics + other.statistics,
        )


class Patron(BaseModel):
    """An account in institution zone ``tenant``.

    ``account_id`` is the primary id for external accounts, ``EXT-<INST>-<n>`` for external
    readers and ``ATT-<primary id>`` for waiting accounts. ``version`` is the NZ version for an
    external account and the propagation version for an external reader: updates carrying a
    version not above it are ignored (replays, out-of-order deliveries).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: InstitutionCode
    account_id: Text
    kind: AccountKind
    record: PatronRecord
    version: int = 0
    additions: InstitutionAdditions = InstitutionAdditions()
    status: AccountStatus = AccountStatus.ACTIVE
    merged_into: str | None = None
    updated_at: AwareDatetime | None = None
    #: External readers: the institution that wrote the current version (None: the creator).
    updated_by: InstitutionCode | None = None

    def all_barcodes(self) -> set[str]:
        """Barcodes of the record and of this IZ's additions."""
        added = {i.value for i in self.additions.identifiers if i.id_type == "BARCODE"}
        return self.record.barcodes() | added
