"""Waiting accounts merged into the institutional account when it arrives."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from patron_sync.domain.accounts import AccountKind, AccountStatus, Note, Patron
from patron_sync.domain.additions import add_identifier, add_note
from patron_sync.domain.errors import UnknownUserGroupError, WaitingAccountMismatchError
from patron_sync.domain.patron import Identifier, PatronRecord
from patron_sync.domain.user_groups import UserGroup
from patron_sync.domain.waiting import merge_waiting_account, open_waiting_account

MakeRecord = Callable[..., PatronRecord]
SEPT_15 = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
OCT_3 = datetime(2026, 10, 3, 6, 0, tzinfo=UTC)


def _waiting(make_record: MakeRecord) -> Patron:
    record = make_record(identifiers=(), source_institution="ub")
    waiting = open_waiting_account("ubm", record, SEPT_15)
    waiting = add_identifier(waiting, Identifier(value="UBM-TEMP-7"), None, SEPT_15)
    note = Note(text="En attente de l'inscription", created_at=SEPT_15, created_by="desk-1")
    return add_note(waiting, note)


def test_open_waiting_account(make_record: MakeRecord) -> None:
    waiting = _waiting(make_record)
    assert (waiting.account_id, waiting.kind) == ("ATT-22001234", AccountKind.WAITING)
    assert waiting.record.source_institution == "ubm"


def test_waiting_account_group_must_be_one_of_the_institution(make_record: MakeRecord) -> None:
    with pytest.raises(UnknownUserGroupError):
        open_waiting_account("ub", make_record(user_group=UserGroup.BSA_ETUDIANT), OCT_3)


def test_merge_carries_additions_closes_and_asks_to_move_loans(
    make_record: MakeRecord, make_patron: Callable[..., Patron]
) -> None:
    waiting = _waiting(make_record)
    institutional = make_patron()
    merge = merge_waiting_account(waiting, institutional, OCT_3)
    assert merge.institutional.record == institutional.record
    assert merge.institutional.all_barcodes() == {"AQ0001234567", "UBM-TEMP-7"}
    assert merge.institutional.additions.notes == waiting.additions.notes
    assert merge.closed_waiting.status is AccountStatus.CLOSED
    assert merge.closed_waiting.merged_into == "22001234"
    assert merge.closed_waiting.all_barcodes() == set()  # the barcode moved
    assert (merge.event.waiting_id, merge.event.primary_id) == ("ATT-22001234", "22001234")
    assert (merge.event.tenant, merge.event.merged_at) == ("ubm", OCT_3)


def test_other_primary_id_needs_staff_confirmation(
    make_record: MakeRecord, make_patron: Callable[..., Patron]
) -> None:
    other = make_patron(record=make_record(primary_id="22009999"))
    with pytest.raises(WaitingAccountMismatchError, match="primary_id='22009999'"):
        merge_waiting_account(_waiting(make_record), other, OCT_3)
    merge = merge_waiting_account(_waiting(make_record), other, OCT_3, confirmed_by_staff=True)
    assert merge.event.primary_id == "22009999"
