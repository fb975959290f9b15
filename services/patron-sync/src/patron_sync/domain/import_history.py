"""The history of the DSI imports: what each source sent, what came of it, and the missing-feed
rule (a source that has sent nothing for a day)."""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from patron_sync.domain.import_report import ImportReport
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
