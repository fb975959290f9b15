"""Staff blocks in circulation: whole from the patron snapshot (type, reason, days, author),
blocking from their first to their last Paris day, shown with the other blocks."""

from collections.abc import Callable
from datetime import UTC, date, datetime

from circulation.adapters.patron_records import patron_record
from circulation.domain import BlockKind, InstitutionPolicy, Patron, patron_blocks
from rebub_shared.contracts.patrons import Contact, IzPatron

MakePatron = Callable[..., Patron]


def _snapshot(**fields: object) -> IzPatron:
    values: dict[str, object] = {
        "primary_id": "P-42",
        "institution": "inp",
        "kind": "external",
        "last_name": "Dupont",
        "first_name": "Camille",
        "user_group": "L",
        "expiry_date": date(2027, 9, 30),
        "contact": Contact(),
        "barcodes": ["CARD42"],
        "version": 3,
    }
    return IzPatron.model_validate(values | fields)


def _staff_blocks(inp: InstitutionPolicy, patron: Patron, now: datetime) -> list[str]:
    found = patron_blocks(policy=inp, patron=patron, patron_loans=[], now=now)
    return [b.staff_block.code for b in found if b.staff_block is not None]


def test_a_block_ending_2027_03_15_blocks_through_the_15th_and_not_on_the_16th(
    inp: InstitutionPolicy,
) -> None:
    block = {
        "block_id": "b-1",
        "block_type": "AMENDE",
        "reason": "Livre rendu mouillé",
        "starts_on": "2027-03-02",
        "ends_on": "2027-03-15",
        "created_by": "inp-patrons",
    }
    patron = patron_record(_snapshot(local_blocks=[block]), None).patron
    # 23:30 UTC on 1 March is 00:30 in Paris on 2 March: the first blocked day.
    assert _staff_blocks(inp, patron, datetime(2027, 3, 1, 22, 30, tzinfo=UTC)) == []
    assert _staff_blocks(inp, patron, datetime(2027, 3, 1, 23, 30, tzinfo=UTC)) == ["AMENDE"]
    assert _staff_blocks(inp, patron, datetime(2027, 3, 14, 10, 0, tzinfo=UTC)) == ["AMENDE"]
    assert _staff_blocks(inp, patron, datetime(2027, 3, 15, 22, 59, tzinfo=UTC)) == ["AMENDE"]
    assert _staff_blocks(inp, patron, datetime(2027, 3, 16, 9, 0, tzinfo=UTC)) == []


def test_the_block_shown_at_the_desk_carries_type_reason_days_and_author(
    inp: InstitutionPolicy,
) -> None:
    block = {"block_id": "b-2", "block_type": "CARTE", "reason": "Carte perdue",
             "starts_on": "2027-03-01", "created_by": "inp-manager"}  # fmt: skip
    patron = patron_record(_snapshot(local_blocks=[block]), None).patron
    (shown,) = patron_blocks(
        policy=inp, patron=patron, patron_loans=[], now=datetime(2027, 6, 5, 9, 0, tzinfo=UTC)
    )
    assert shown.kind is BlockKind.LOCAL_BLOCK
    assert shown.until is None  # no end: until lifted
    assert shown.staff_block is not None
    assert (shown.staff_block.note, shown.staff_block.set_by) == ("Carte perdue", "inp-manager")
    assert shown.staff_block.since == date(2027, 3, 1)


def test_a_snapshot_written_before_blocks_were_carried_whole_still_blocks(
    inp: InstitutionPolicy,
) -> None:
    patron = patron_record(_snapshot(local_blocks=["DETTE"]), None).patron
    assert _staff_blocks(inp, patron, datetime(2027, 3, 16, 9, 0, tzinfo=UTC)) == ["DETTE"]
