"""Full vs delta imports: accounts a full feed no longer holds are flagged absent, not deleted,
expire once absent for a number of days, and are purged from the network zone later (both
periods are settings with their reason: ``ABSENT_EXPIRY``, ``ABSENT_PURGE``)."""

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from patron_sync.domain.fingerprint import fingerprint
from patron_sync.domain.nz_accounts import NzAccount
from rebub_shared.clock import check_aware, paris_date
from rebub_shared.retention import Period
from rebub_shared.tenancy import InstitutionCode

ABSENT_EXPIRY = Period(
    days=30,
    reason="a month: someone left out of a feed by mistake, or re-enrolled late, is back within "
    "days and keeps borrowing; after a month out of their source's full feeds they no longer "
    "belong to it and may not borrow (their account expires: they can still return and be "
    "written to)",
)
ABSENT_PURGE = Period(
    days=400,
    reason="the loan history's year (DOMAIN.md section 8) and a month: by then circulation has "
    "anonymised every loan they closed before leaving (its `history`), and someone back "
    "within the academic year finds their account with its cards, notes and blocks",
)


class ImportMode(StrEnum):
    """A full feed lists every account of its source; a delta feed only the changed ones."""

    FULL = "full"
    DELTA = "delta"


class AbsencePolicy(BaseModel):
    """Default: an account absent from full feeds for 30 days expires (a service setting)."""

    model_config = ConfigDict(frozen=True)

    expire_after_days: int = Field(default=ABSENT_EXPIRY.days, ge=1)


def absent_accounts(
    stored: Iterable[NzAccount],
    source: InstitutionCode,
    seen_primary_ids: set[str],
    mode: ImportMode,
) -> Iterator[NzAccount]:
    """Accounts of ``source`` a full feed did not contain (none for a delta feed).

    ``seen_primary_ids`` must include the primary ids of *rejected* records too: a record
    refused for a bad email is still in the feed and its account is not absent.
    """
    if mode is ImportMode.DELTA:
        return
    for account in stored:
        record = account.record
        if record.source_institution == source and record.primary_id not in seen_primary_ids:
            yield account


def mark_absent(account: NzAccount, now: AwareDatetime) -> NzAccount:
    """Flag ``account`` absent since ``now``; an account already absent keeps its first date."""
    check_aware("now", now)
    if account.absent_since is not None:
        return account
    return account.model_copy(update={"absent_since": now})


def absence_expiry_date(account: NzAccount, policy: AbsencePolicy) -> date | None:
    """Paris calendar day on which an absent account expires, ``None`` if it is not absent."""
    if account.absent_since is None:
        return None
    first_day = paris_date(account.absent_since, "absent_since")
    return first_day + timedelta(days=policy.expire_after_days)


def is_expired_by_absence(account: NzAccount, now: AwareDatetime, policy: AbsencePolicy) -> bool:
    """True once ``now`` (Paris calendar day) reaches the account's absence expiry day."""
    expiry = absence_expiry_date(account, policy)
    return expiry is not None and paris_date(now, "now") >= expiry


def expire_absent(account: NzAccount, now: AwareDatetime, policy: AbsencePolicy) -> NzAccount:
    """Bring the expiry date of a long-absent account forward to its absence expiry day.

    Returns the account unchanged if it has not expired by absence or already expires earlier;
    otherwise a new version (an NZ-owned field changed, so IZ copies must follow).
    """
    expiry = absence_expiry_date(account, policy)
    if expiry is None or not is_expired_by_absence(account, now, policy):
        return account
    if account.record.expiry_date <= expiry:
        return account
    record = account.record.model_copy(update={"expiry_date": expiry})
    update = {"record": record, "fingerprint": fingerprint(record), "version": account.version + 1}
    return account.model_copy(update=update)


def is_purge_due(account: NzAccount, now: AwareDatetime, period: Period) -> bool:
    """True once the account has been absent strictly longer than ``period`` (400 days by
    default: absent since 27 October 2025 10:00, it stays until 1 December 2026 10:00 and is
    purged after)."""
    check_aware("now", now)
    return account.absent_since is not None and period.is_due(account.absent_since, now)
