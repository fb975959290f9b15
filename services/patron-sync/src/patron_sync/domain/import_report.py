"""Result of one feed import, and the reject line of one bad record."""

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from patron_sync.domain.nz_accounts import ImportOutcome


class Reject(BaseModel):
    """A feed record refused on its own; the rest of the feed goes on.

    ``position`` is the record number (1-based ``<user>`` count) in an XML feed and the line
    number in a CSV feed, as ``position_kind`` says.
    """

    model_config = ConfigDict(frozen=True)

    position: int
    position_kind: Literal["record", "line"]
    primary_id: str | None
    field: str
    value: str | None
    reason: str

    def line(self) -> str:
        """One human-readable line for the report."""
        who = f" [{self.primary_id}]" if self.primary_id else ""
        where = f"{self.position_kind} {self.position}{who}"
        return f"{where}: {self.field}={self.value!r}: {self.reason}"


class ImportReport(BaseModel):
    """Counts of one import. ``received`` = created + updated + unchanged + rejected."""

    model_config = ConfigDict(frozen=True)

    received: int
    created: int
    updated: int
    unchanged: int
    rejected: tuple[Reject, ...]
    absent: int


@dataclass
class ImportTally:
    """Mutable counter the importer feeds record by record, then turns into a report."""

    counts: dict[ImportOutcome, int] = field(
        default_factory=lambda: dict.fromkeys(ImportOutcome, 0)
    )
    rejects: list[Reject] = field(default_factory=list)
    absent: int = 0

    def count(self, outcome: ImportOutcome) -> None:
        """Count one valid record by what it did to the NZ."""
        self.counts[outcome] += 1

    def reject(self, reject: Reject) -> None:
        """Keep one reject line."""
        self.rejects.append(reject)

    def report(self) -> ImportReport:
        """The report of what was counted so far."""
        valid = sum(self.counts.values())
        return ImportReport(
            received=valid + len(self.rejects),
            created=self.counts[ImportOutcome.CREATED],
            updated=self.counts[ImportOutcome.UPDATED],
            unchanged=self.counts[ImportOutcome.UNCHANGED],
            rejected=tuple(self.rejects),
            absent=self.absent,
        )
