"""External readers: created in one IZ with a network-unique id, copied to the others, contact
data and expiry propagated while local notes and blocks stay."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from patron_sync.domain.accounts import AccountStatus, LocalBlock, Note
from patron_sync.domain.additions import add_local_block, add_note
from patron_sync.domain.errors import AccountKindError, InvalidFieldError
from patron_sync.domain.external_readers import (
    apply_external_reader_change,
    change_external_reader,
    close_external_reader,
    copy_external_reader,
    create_external_reader,
)
from patron_sync.domain.patron import Email, PatronRecord, Phone
from patron_sync.domain.user_groups import UserGroup

MakeRecord = Callable[..., PatronRecord]
OCT_3 = datetime(2026, 10, 3, 10, 0, tzinfo=UTC)
OCT_9 = datetime(2026, 10, 9, 10, 0, tzinfo=UTC)


def _reader(make_record: MakeRecord, **changes: object) -> PatronRecord:
    fields = {"primary_id": "tbd", "user_group": UserGroup.LECTEUR_EXTERIEUR,
              "source_institution": "scpo", "identifiers": ()}  # fmt: skip
    return make_record(**(fields | changes))


def test_creation_gives_a_network_unique_id(make_record: MakeRecord) -> None:
    created = create_external_reader("scpo", 42, _reader(make_record), OCT_3)
    assert created.patron.account_id == "EXT-SCPO-000042"
    assert created.patron.record.primary_id == "EXT-SCPO-000042"
    assert created.event.reader_id == "EXT-SCPO-000042"
    assert (created.event.tenant, created.event.version) == ("scpo", 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"user_group": UserGroup.L}, "user_group"),
        ({"source_institution": "ub"}, "source_institution"),
        ({"emails": ()}, "emails"),
        ({"expiry_date": date(2026, 10, 2)}, "expiry_date"),
    ],
)
def test_creation_validated(
    make_record: MakeRecord, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidFieldError) as refused:
        create_external_reader("scpo", 1, _reader(make_record, **changes), OCT_3)
    assert refused.value.field == field


def test_change_propagates_contact_and_expiry_keeping_local_additions(
    make_record: MakeRecord,
) -> None:
    created = create_external_reader("scpo", 7, _reader(make_record), OCT_3)
    copy = copy_external_reader(created.event, "ub")
    assert (copy.tenant, copy.version, copy.additions.notes) == ("ub", 1, ())
    note = Note(text="Caution versée", created_at=OCT_3, created_by="desk-ub")
    block = LocalBlock(block_type="AMENDE", reason="Amende impayée", created_at=OCT_3,
                       created_by="desk-ub")  # fmt: skip
    copy = add_local_block(add_note(copy, note), block)

    new_email = (Email(address="nouvelle@example.org", preferred=True),)
    updated, event = change_external_reader(
        created.patron, OCT_9, emails=new_email, phones=(Phone(number="06 00 00 00 00"),),
        expiry_date=date(2027, 12, 31),
    )  # fmt: skip
    assert updated.version == event.version == 2
    applied = apply_external_reader_change(copy, event)
    assert applied.record.emails == new_email
    assert applied.record.expiry_date == date(2027, 12, 31)
    assert applied.record.last_name == copy.record.last_name
    assert applied.additions.notes == (note,)
    assert applied.additions.local_blocks == (block,)
    assert apply_external_reader_change(applied, event) is applied  # replay ignored


def test_an_older_change_is_ignored(make_record: MakeRecord) -> None:
    created = create_external_reader("scpo", 7, _reader(make_record), OCT_3)
    first, old = change_external_reader(created.patron, OCT_3, expiry_date=date(2027, 6, 30))
    _, new = change_external_reader(first, OCT_9, expiry_date=date(2027, 12, 31))
    copy = apply_external_reader_change(copy_external_reader(created.event, "ub"), new)
    assert apply_external_reader_change(copy, old).record.expiry_date == date(2027, 12, 31)


def test_a_change_made_in_another_iz_reaches_the_creating_one(make_record: MakeRecord) -> None:
    created = create_external_reader("scpo", 7, _reader(make_record), OCT_3)
    in_ubm = copy_external_reader(created.event, "ubm")
    _, event = change_external_reader(in_ubm, OCT_9, expiry_date=date(2028, 6, 30))
    assert (event.tenant, event.version) == ("ubm", 2)

    at_creator = apply_external_reader_change(created.patron, event)
    assert at_creator.record.expiry_date == date(2028, 6, 30)
    assert (at_creator.version, at_creator.updated_by) == (2, "ubm")


def test_two_changes_at_once_leave_every_iz_with_the_same_one(make_record: MakeRecord) -> None:
    """scpo and ubm both change the reader on 9 October: both write version 2. In the order
    ub, ubm, scpo, inp, bsa, scpo's comes later: every IZ keeps it, whatever arrives first."""
    created = create_external_reader("scpo", 7, _reader(make_record), OCT_3)
    in_ubm = copy_external_reader(created.event, "ubm")
    in_bsa = copy_external_reader(created.event, "bsa")
    scpo_v2, by_scpo = change_external_reader(created.patron, OCT_9, expiry_date=date(2028, 1, 31))
    ubm_v2, by_ubm = change_external_reader(in_ubm, OCT_9, expiry_date=date(2029, 1, 31))

    at_scpo = apply_external_reader_change(scpo_v2, by_ubm)
    at_ubm = apply_external_reader_change(ubm_v2, by_scpo)
    bsa_one_way = apply_external_reader_change(
        apply_external_reader_change(in_bsa, by_ubm), by_scpo
    )
    bsa_other_way = apply_external_reader_change(
        apply_external_reader_change(in_bsa, by_scpo), by_ubm
    )
    kept = {p.record.expiry_date for p in (at_scpo, at_ubm, bsa_one_way, bsa_other_way)}
    assert kept == {date(2028, 1, 31)}
    assert {p.updated_by for p in (at_scpo, at_ubm, bsa_one_way, bsa_other_way)} == {"scpo"}


def test_only_external_readers_take_reader_changes(
    make_record: MakeRecord, make_patron: Callable[..., object]
) -> None:
    with pytest.raises(AccountKindError, match="kind="):
        change_external_reader(make_patron(), OCT_9, expiry_date=date(2027, 1, 1))  # type: ignore[arg-type]


def test_a_closure_reaches_every_copy_and_is_final(make_record: MakeRecord) -> None:
    created = create_external_reader("scpo", 7, _reader(make_record), OCT_3)
    in_ub = copy_external_reader(created.event, "ub")
    closed, event = close_external_reader(created.patron, OCT_9)
    assert (closed.status, closed.version, event.version, event.closed) == (
        AccountStatus.CLOSED, 2, 2, True,
    )  # fmt: skip
    assert closed.record == created.patron.record
    at_ub = apply_external_reader_change(in_ub, event)
    assert (at_ub.status, at_ub.version, at_ub.updated_by) == (AccountStatus.CLOSED, 2, "scpo")

    with pytest.raises(AccountKindError, match="status="):
        close_external_reader(at_ub, OCT_9)
    with pytest.raises(AccountKindError, match="status="):
        change_external_reader(at_ub, OCT_9, expiry_date=date(2028, 6, 30))


def test_a_closure_losing_a_tie_still_closes_every_copy(make_record: MakeRecord) -> None:
    """On 9 October ubm closes the reader while scpo changes its expiry: both write version 2,
    scpo's wins the tie (later in the order), yet every IZ ends closed with scpo's expiry."""
    created = create_external_reader("scpo", 7, _reader(make_record), OCT_3)
    in_ubm, in_bsa = (copy_external_reader(created.event, t) for t in ("ubm", "bsa"))
    scpo_v2, by_scpo = change_external_reader(created.patron, OCT_9, expiry_date=date(2028, 1, 31))
    ubm_v2, by_ubm = close_external_reader(in_ubm, OCT_9)

    ends = [
        apply_external_reader_change(scpo_v2, by_ubm),
        apply_external_reader_change(ubm_v2, by_scpo),
        apply_external_reader_change(apply_external_reader_change(in_bsa, by_ubm), by_scpo),
        apply_external_reader_change(apply_external_reader_change(in_bsa, by_scpo), by_ubm),
    ]
    assert {(p.status, p.record.expiry_date) for p in ends} == {
        (AccountStatus.CLOSED, date(2028, 1, 31))
    }
