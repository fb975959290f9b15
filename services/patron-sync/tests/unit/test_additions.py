"""Institution additions: unique barcodes, notes, local blocks, statistics."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from patron_sync.domain.accounts import LocalBlock, Patron, Statistic
from patron_sync.domain.additions import add_identifier, add_local_block, add_statistic
from patron_sync.domain.errors import DuplicateBarcodeError, InvalidFieldError
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
