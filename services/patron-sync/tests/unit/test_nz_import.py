"""NZ side of an import: created / updated / unchanged, absence in full mode and its expiry."""

from collections.abc import Callable
from datetime import UTC, date, datetime

from patron_sync.domain.absence import (
    ABSENT_PURGE,
    AbsencePolicy,
    ImportMode,
    absence_expiry_date,
    absent_accounts,
    expire_absent,
    is_expired_by_absence,
    is_purge_due,
    mark_absent,
)
from patron_sync.domain.nz_accounts import (
    AccountSummary,
    ImportOutcome,
    NzAccount,
    decide_nz_import,
    unchanged_by_summary,
)
from patron_sync.domain.patron import PatronRecord

MakeRecord = Callable[..., PatronRecord]
OCT_3 = datetime(2026, 10, 3, 4, 0, tzinfo=UTC)
OCT_4 = datetime(2026, 10, 4, 4, 0, tzinfo=UTC)


def _stored(record: PatronRecord) -> NzAccount:
    return decide_nz_import(record, None, OCT_3).account


def test_new_account_is_created_at_version_1(make_record: MakeRecord) -> None:
    decision = decide_nz_import(make_record(), None, OCT_3)
    assert (decision.outcome, decision.account.version, decision.publish) == (
        ImportOutcome.CREATED,
        1,
        True,
    )


def test_identical_account_produces_no_event(make_record: MakeRecord) -> None:
    decision = decide_nz_import(make_record(), _stored(make_record()), OCT_4)
    assert decision.outcome is ImportOutcome.UNCHANGED
    assert not decision.publish
    assert decision.account.version == 1
    assert decision.account.last_seen_at == OCT_4


def test_changed_account_is_a_new_version(make_record: MakeRecord) -> None:
    incoming = make_record(expiry_date=date(2028, 9, 30))
    decision = decide_nz_import(incoming, _stored(make_record()), OCT_4)
    assert (decision.outcome, decision.account.version) == (ImportOutcome.UPDATED, 2)
    assert decision.account.record.expiry_date == date(2028, 9, 30)


def test_reappearing_account_is_no_longer_absent(make_record: MakeRecord) -> None:
    absent = mark_absent(_stored(make_record()), OCT_3)
    assert decide_nz_import(make_record(), absent, OCT_4).account.absent_since is None


def test_full_import_flags_missing_accounts_of_its_source_only(make_record: MakeRecord) -> None:
    stored = [
        _stored(make_record(primary_id="seen")),
        _stored(make_record(primary_id="gone")),
        _stored(make_record(primary_id="rejected-but-present")),
        _stored(make_record(primary_id="other", source_institution="ubm")),
    ]
    seen = {"seen", "rejected-but-present"}
    full = absent_accounts(stored, "ub", seen, ImportMode.FULL)
    assert [a.record.primary_id for a in full] == ["gone"]
    assert list(absent_accounts(stored, "ub", seen, ImportMode.DELTA)) == []


def test_absence_keeps_its_first_date(make_record: MakeRecord) -> None:
    absent = mark_absent(mark_absent(_stored(make_record()), OCT_3), OCT_4)
    assert absent.absent_since == OCT_3


def test_absent_account_expires_after_the_set_days_paris_calendar(
    make_record: MakeRecord,
) -> None:
    policy = AbsencePolicy(expire_after_days=30)
    # 23:30 UTC on 2 October is already 3 October in Paris (UTC+2).
    absent = mark_absent(_stored(make_record()), datetime(2026, 10, 2, 23, 30, tzinfo=UTC))
    assert absence_expiry_date(absent, policy) == date(2026, 11, 2)
    day_before = datetime(2026, 11, 1, 22, 59, tzinfo=UTC)  # 23:59 in Paris (UTC+1)
    expiry_day = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)  # midnight in Paris
    assert not is_expired_by_absence(absent, day_before, policy)
    assert is_expired_by_absence(absent, expiry_day, policy)


def test_expired_absent_account_gets_its_expiry_brought_forward(make_record: MakeRecord) -> None:
    policy = AbsencePolicy(expire_after_days=30)
    absent = mark_absent(_stored(make_record()), OCT_3)
    assert expire_absent(absent, datetime(2026, 10, 20, tzinfo=UTC), policy) is absent
    expired = expire_absent(absent, datetime(2026, 11, 5, tzinfo=UTC), policy)
    assert expired.record.expiry_date == date(2026, 11, 2)
    assert expired.version == absent.version + 1
    assert expired.fingerprint != absent.fingerprint


def test_a_summary_alone_shows_an_identical_present_account_unchanged(
    make_record: MakeRecord,
) -> None:
    summary = AccountSummary.of(_stored(make_record()))
    assert summary == AccountSummary("ub", summary.fingerprint, absent=False)
    assert unchanged_by_summary(make_record(), summary)


def test_a_new_name_an_unknown_id_or_an_absent_account_must_be_read(
    make_record: MakeRecord,
) -> None:
    stored = _stored(make_record())
    assert not unchanged_by_summary(make_record(last_name="Martin"), AccountSummary.of(stored))
    assert not unchanged_by_summary(make_record(), None)
    absent = mark_absent(stored, datetime(2026, 10, 4, 4, 0, tzinfo=UTC))
    assert AccountSummary.of(absent).absent
    assert not unchanged_by_summary(make_record(), AccountSummary.of(absent))


def test_an_absent_account_is_purged_strictly_after_400_days(make_record: MakeRecord) -> None:
    left = datetime(2025, 10, 27, 10, 0, tzinfo=UTC)
    absent = mark_absent(_stored(make_record()), left)
    assert ABSENT_PURGE.days == 400
    assert ABSENT_PURGE.reason  # the register's reason travels with the period
    day_399 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    day_400 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    day_401 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert not is_purge_due(absent, day_399, ABSENT_PURGE)
    assert not is_purge_due(absent, day_400, ABSENT_PURGE)  # 400 days old: kept
    assert is_purge_due(absent, datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC), ABSENT_PURGE)
    assert is_purge_due(absent, day_401, ABSENT_PURGE)
    assert not is_purge_due(_stored(make_record()), day_401, ABSENT_PURGE)  # present: never
