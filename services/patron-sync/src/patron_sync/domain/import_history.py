"""The history of the DSI imports: what each source sent, what came of it, the network team's
view of it (no personal data) and the missing-feed rule (a source that has sent nothing for a
day)."""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from patron_sync.domain.import_report import ImportReport, Reject
from rebub_shared.tenancy import InstitutionCode

#: A source whose last feed is older than this is missing (each DSI sends one a day).
FEED_SILENCE = timedelta(days=1)


class FeedReceived(BaseModel):
    """One feed file as it arrived: from whom, named how, with which content."""

    model_config = ConfigDict(frozen=True)

    source: InstitutionCode
    mode: str
    file_name: str
    checksum: str  # sha256 of the file's bytes, hex
    size: int
    uploaded_by: str  # the token's subject, or the command that picked it up


class ImportEntry(FeedReceived):
    """One import kept in the history: the feed, when, and its report (or why it was refused)."""

    id: str
    received_at: AwareDatetime
    outcome: Literal["applied", "refused"]
    refusal: str | None = None
    report: ImportReport | None = None


class ObservedReject(BaseModel):
    """A reject as the network team sees it: where in the feed, which field and why; never
    whose (no primary id, no value: the reason is kept with either blanked out)."""

    model_config = ConfigDict(frozen=True)

    position: int
    position_kind: Literal["record", "line"]
    field: str
    reason: str


class ObservedImport(BaseModel):
    """One import as the network observer sees it: the feed, when, what came of it. Without
    who uploaded it (a staff member's username), the checksum, or whose record was rejected."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: InstitutionCode
    mode: str
    file_name: str
    received_at: AwareDatetime
    outcome: Literal["applied", "refused"]
    refusal: str | None = None
    received: int | None = None
    created: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    absent: int | None = None
    rejected: int | None = None
    rejects: tuple[ObservedReject, ...] = ()


#: What replaces a primary id or a value a reject's reason quotes.
BLANKED = "…"


def observed_reject(reject: Reject) -> ObservedReject:
    """``reject`` without its primary id and value, also where its reason quotes them."""
    reason = reject.reason
    for quoted in (reject.primary_id, reject.value):
        if quoted and quoted.strip():
            reason = reason.replace(quoted, BLANKED)
    return ObservedReject(
        position=reject.position,
        position_kind=reject.position_kind,
        field=reject.field,
        reason=reason,
    )


def observed(entry: ImportEntry, rejects_kept: int = 20) -> ObservedImport:
    """The network team's view of one import (counts and reasons, no personal data); the first
    ``rejects_kept`` rejects (``rejected`` counts them all)."""
    kept = entry.model_dump(include={"id", "source", "mode", "file_name", "received_at"})
    kept |= {"outcome": entry.outcome, "refusal": entry.refusal}
    report = entry.report
    if report is not None:
        kept |= report.model_dump(include={"received", "created", "updated", "unchanged"})
        kept |= {
            "absent": report.absent,
            "rejected": len(report.rejected),
            "rejects": tuple(observed_reject(r) for r in report.rejected[:rejects_kept]),
        }
    return ObservedImport.model_validate(kept)


def missing_feeds(
    last_received: Mapping[InstitutionCode, datetime],
    sources: Iterable[InstitutionCode],
    now: datetime,
    silence: timedelta = FEED_SILENCE,
) -> list[InstitutionCode]:
    """The sources that sent no feed (applied or refused: the DSI sent something) in the
    ``silence`` before ``now``; a source never heard from is missing too."""
    return [
        source
        for source in sources
        if (last := last_received.get(source)) is None or now - last > silence
    ]
