"""NZ -> IZ: newer NZ versions replace NZ-owned fields and keep additions; older ones are ignored;
local edits of NZ-owned fields are refused."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from patron_sync.domain.accounts import AccountKind, Note, Patron
from patron_sync.domain.additions import add_identifier, add_note
from patron_sync.domain.errors import NzOwnedFieldError
from patron_sync.domain.merge import apply_nz_account, check_local_edit
from patron_sync.domain.nz_accounts import NzAccount, decide_nz_import
from patron_sync.domain.patron import Identifier, PatronRecord

MakeRecord = Callable[..., PatronRecord]
OCT_3 = datetime(2026, 10, 3, 8, 0, tzinfo=UTC)
OCT_4 = datetime(2026, 10, 4, 8, 0, tzinfo=UTC)


def _nz(record: PatronRecord, version: int) -> NzAccount:
    account = decide_nz_import(record, None, OCT_3).account
    return account.model_copy(update={"version": version})


def _copy_with_additions(record: PatronRecord) -> Patron:
    copy = apply_nz_account(None, _nz(record, 1), "ubm", OCT_3).patron
    copy = add_identifier(copy, Identifier(value="UBM-CARD-42"), None, OCT_3)
    note = Note(text="Carte provisoire remise", created_at=OCT_3, created_by="desk-1")
    return add_note(copy, note)


def test_first_use_links_the_nz_account(make_record: MakeRecord) -> None:
    result = apply_nz_account(None, _nz(make_record(), 3), "ubm", OCT_3)
    assert result.applied
    assert (result.patron.tenant, result.patron.account_id) == ("ubm", "22001234")
    assert (result.patron.kind, result.patron.version) == (AccountKind.EXTERNAL, 3)


def test_newer_version_replaces_nz_fields_and_keeps_additions(make_record: MakeRecord) -> None:
    copy = _copy_with_additions(make_record())
    newer = _nz(make_record(last_name="Lefèvre-Martin", expiry_date=date(2028, 9, 30)), 2)
    result = apply_nz_account(copy, newer, "ubm", OCT_4)
    assert result.applied
    assert result.patron.record.last_name == "Lefèvre-Martin"
    assert result.patron.record.expiry_date == date(2028, 9, 30)
    assert result.patron.version == 2
    assert result.patron.additions == copy.additions
    assert result.patron.all_barcodes() == {"AQ0001234567", "UBM-CARD-42"}


@pytest.mark.parametrize("version", [1, 0])
def test_replay_or_older_version_is_ignored(make_record: MakeRecord, version: int) -> None:
    copy = apply_nz_account(None, _nz(make_record(), 1), "ubm", OCT_3).patron
    copy = apply_nz_account(copy, _nz(make_record(last_name="Neuf"), 2), "ubm", OCT_4)
    stale = _nz(make_record(last_name="Ancien"), version)
    result = apply_nz_account(copy.patron, stale, "ubm", OCT_4)
    assert not result.applied
    assert result.patron.record.last_name == "Neuf"
    assert result.patron.version == 2


def test_local_edit_of_nz_owned_field_refused(make_patron: Callable[..., Patron]) -> None:
    patron = make_patron()
    with pytest.raises(NzOwnedFieldError, match="emails=") as refused:
        check_local_edit(patron, ["notes", "emails", "phones"])
    assert refused.value.field == "emails"  # first in sorted order
    assert refused.value.value == "22001234"


def test_local_edit_of_internal_account_allowed(make_patron: Callable[..., Patron]) -> None:
    check_local_edit(make_patron(AccountKind.WAITING), ["emails", "last_name"])
    check_local_edit(make_patron(), ["notes"])
