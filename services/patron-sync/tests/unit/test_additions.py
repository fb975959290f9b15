"""Institution additions: unique barcodes, notes, local blocks, statistics."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from patron_sync.domain.accounts import LocalBlock, Patron, Statistic
from patron_sync.domain.additions import (
    add_identifier,
    add_local_block,
    add_statistic,
    lift_local_block,
)
from patron_sync.domain.errors import (
    AdditionNotFoundError,
    DuplicateBarcodeError,
    InvalidFieldError,
)
from patron_sync.domain.patron import Identifier

MakePatron = Callable[..., Patron]
NOW = datetime(2026, 10, 3, 14, 0, tzinfo=UTC)


def test_barcode_added_once(make_patron: MakePatron) -> None:
    patron = add_identifier(make_patron(), Identifier(value="UBM-CARD-1"), None, NOW)
    assert "UBM-CARD-1" in patron.all_barcodes()
    assert patron.updated_at == NOW
    with pytest.raises(DuplicateBarcodeError, match="barcode='UBM-CARD-1': already on 22001234"):
        add_identifier(patron, Identifier(value="UBM-CARD-1"), None, NOW)


def test_barcode_of_the_nz_record_cannot_be_added_again(make_patron: MakePatron) -> None:
    with pytest.raises(DuplicateBarcodeError, match="AQ0001234567"):
        add_identifier(make_patron(), Identifier(value="AQ0001234567"), None, NOW)


def test_barcode_held_by_another_patron_refused(make_patron: MakePatron) -> None:
    with pytest.raises(DuplicateBarcodeError, match="already held by 21009999"):
        add_identifier(make_patron(), Identifier(value="UBM-CARD-2"), "21009999", NOW)


def test_local_block_and_statistic(make_patron: MakePatron) -> None:
    block = LocalBlock(block_type="DOCUMENT_ABIME", reason="Livre rendu mouillé",
                       created_at=NOW, created_by="desk-2")  # fmt: skip
    patron = add_local_block(make_patron(), block)
    patron = add_statistic(patron, Statistic(category="LABO", value="IMS"), NOW)
    patron = add_statistic(patron, Statistic(category="LABO", value="LaBRI"), NOW)
    assert patron.additions.local_blocks == (block,)
    assert patron.additions.statistics == (Statistic(category="LABO", value="LaBRI"),)


def test_an_account_holds_at_most_50_local_blocks(make_patron: MakePatron) -> None:
    """Blocks travel in the patron's events: their number is bounded (issue 13)."""
    patron = make_patron()
    for n in range(50):
        block = LocalBlock(block_type=f"B{n}", reason="r", created_at=NOW, created_by="desk-2")
        patron = add_local_block(patron, block)
    one_more = LocalBlock(block_type="B50", reason="r", created_at=NOW, created_by="desk-2")
    with pytest.raises(InvalidFieldError, match="local_blocks=50: at most 50 on one account"):
        add_local_block(patron, one_more)


def _block(block_id: str, starts_on: str, ends_on: str | None, at: datetime = NOW) -> LocalBlock:
    return LocalBlock.model_validate(
        {"block_id": block_id, "block_type": "AMENDE", "reason": "Amende impayée",
         "starts_on": starts_on, "ends_on": ends_on, "created_at": at, "created_by": "desk-2"}
    )  # fmt: skip


def test_a_block_applies_from_its_first_to_its_last_day() -> None:
    block = _block("b-1", "2027-03-02", "2027-03-15")
    assert not block.active_on(date(2027, 3, 1))
    assert block.active_on(date(2027, 3, 2))
    assert block.active_on(date(2027, 3, 14))
    assert block.active_on(date(2027, 3, 15))
    assert not block.active_on(date(2027, 3, 16))
    assert _block("b-2", "2027-03-02", None).active_on(date(2099, 1, 1))


def test_a_block_cannot_end_before_it_starts(make_patron: MakePatron) -> None:
    with pytest.raises(
        InvalidFieldError, match="ends_on='2027-03-01': before starts_on=2027-03-02"
    ):
        add_local_block(make_patron(), _block("b-1", "2027-03-02", "2027-03-01"))


def test_a_block_is_lifted_by_its_id_and_ended_blocks_are_dropped_at_the_next_one(
    make_patron: MakePatron,
) -> None:
    patron = add_local_block(make_patron(), _block("b-1", "2026-10-03", "2026-10-15"))
    patron = add_local_block(patron, _block("b-2", "2026-10-03", None))
    later = datetime(2026, 10, 16, 8, 0, tzinfo=UTC)  # b-1 ended on the 15th
    patron = add_local_block(patron, _block("b-3", "2026-10-16", None, later))
    assert [b.block_id for b in patron.additions.local_blocks] == ["b-2", "b-3"]
    patron = lift_local_block(patron, "b-2", later)
    assert [b.block_id for b in patron.additions.local_blocks] == ["b-3"]
    with pytest.raises(AdditionNotFoundError, match="block_id='b-2': no such block on 22001234"):
        lift_local_block(patron, "b-2", later)


def test_a_block_stored_with_an_expiry_instant_loads_with_days() -> None:
    stored = {"block_type": "AMENDE", "reason": "r", "created_by": "desk-2",
              "created_at": "2026-10-03T14:00:00+00:00",
              "expires_at": "2026-10-20T21:30:00+00:00"}  # fmt: skip
    block = LocalBlock.model_validate(stored)
    # 21:30 UTC on 20 October is 23:30 in Paris: the last blocked day is the 20th.
    assert (block.starts_on, block.ends_on) == (date(2026, 10, 3), date(2026, 10, 20))
    assert block.block_id == "20261003140000000000"  # its creation instant
