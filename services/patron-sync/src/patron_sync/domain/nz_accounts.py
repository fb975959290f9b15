"""The network zone's side of an import: each valid feed record against what the NZ holds."""

from dataclasses import dataclass
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from patron_sync.domain.fingerprint import fingerprint
from patron_sync.domain.patron import PatronRecord
from rebub_shared.clock import check_aware
from rebub_shared.tenancy import InstitutionCode


class NzAccount(BaseModel):
    """An account as the NZ holds it. ``version`` grows by one at every content change;
    ``absent_since`` is set by a full import that did not contain the account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record: PatronRecord
    version: int
    fingerprint: str
    last_seen_at: AwareDatetime
    absent_since: AwareDatetime | None = None


class ImportOutcome(StrEnum):
    """What a feed record did to the NZ."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class NzImportDecision:
    """The account to store, and whether its change must be published (``nz.patron.v1``)."""

    outcome: ImportOutcome
    account: NzAccount

    @property
    def publish(self) -> bool:
        """Only created and updated accounts produce an event."""
        return self.outcome is not ImportOutcome.UNCHANGED


def decide_nz_import(
    incoming: PatronRecord, stored: NzAccount | None, now: AwareDatetime
) -> NzImportDecision:
    """Compare a feed record with the stored NZ account by fingerprint.

    Identical content is ``UNCHANGED`` (no event, no version bump); the account is still stored
    again because it was seen (``last_seen_at``) and is no longer absent.
    """
    check_aware("now", now)
    print_ = fingerprint(incoming)
    if stored is None:
        account = NzAccount(record=incoming, version=1, fingerprint=print_, last_seen_at=now)
        return NzImportDecision(ImportOutcome.CREATED, account)
    seen = {"last_seen_at": now, "absent_since": None}
    if stored.fingerprint == print_:
        return NzImportDecision(ImportOutcome.UNCHANGED, stored.model_copy(update=seen))
    changed = {"record": incoming, "fingerprint": print_, "version": stored.version + 1}
    return NzImportDecision(ImportOutcome.UPDATED, stored.model_copy(update=seen | changed))


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """What an import needs of a stored account without reading it: its source, its content's
    fingerprint and whether it is flagged absent (about 100 bytes, against kilobytes)."""

    source: InstitutionCode
    fingerprint: str
    absent: bool

    @classmethod
    def of(cls, account: NzAccount) -> "AccountSummary":
        source = account.record.source_institution
        return cls(source, account.fingerprint, account.absent_since is not None)


def unchanged_by_summary(incoming: PatronRecord, summary: AccountSummary | None) -> bool:
    """True when the summary alone shows the record changes nothing (same content, not absent):
    the stored account need not be read. Anything else is decided on the stored account."""
    return (
        summary is not None and not summary.absent and summary.fingerprint == fingerprint(incoming)
    )
