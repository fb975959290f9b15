"""CSV feeds: both delimiters, BOM, header names in any case, rejects with line numbers."""

from pathlib import Path

import pytest

from patron_sync.adapters.feeds.csv_feed import check_csv, iter_csv, sniff_header
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.feed_records import ParsedAccount
from patron_sync.domain.import_report import Reject
from patron_sync.domain.user_groups import UserGroup


def test_semicolon_feed_good_rows_pass(data_dir: Path) -> None:
    items = list(iter_csv(data_dir / "ub_semicolon.csv", "ub"))
    accounts = [i for i in items if isinstance(i, ParsedAccount)]
    assert [(a.position, a.record.primary_id) for a in accounts] == [
        (2, "22001234"),
        (5, "22000004"),
        (10, "22000009"),
    ]
    eloise = accounts[0].record
    assert eloise.addresses[0].line1 == "351 cours de la Libération"
    assert eloise.barcodes() == {"AQ0001234567"}
    assert accounts[2].record.campus == "CARREIRE"


def test_semicolon_feed_rejects_name_their_line(data_dir: Path) -> None:
    items = list(iter_csv(data_dir / "ub_semicolon.csv", "ub"))
    rejects = {i.position: (i.field, i.primary_id) for i in items if isinstance(i, Reject)}
    assert rejects == {
        3: ("primary_id", None),
        6: ("user_group", "22000005"),
        7: ("expiry_date", "22000006"),  # 30 February
        8: ("email", "22000007"),
        9: ("primary_id", "22001234"),  # duplicate of line 2
        11: ("row", "22000010"),  # too few columns
    }


def test_comma_feed_with_bom(data_dir: Path) -> None:
    path = data_dir / "scpo_comma_bom.csv"
    assert check_csv(path).delimiter == ","
    items = list(iter_csv(path, "scpo"))
    assert isinstance(items[0], ParsedAccount)
    assert items[0].record.primary_id == "SP0001"  # the BOM is not part of the first column
    assert isinstance(items[1], ParsedAccount)
    assert items[1].record.last_name == 'D\'Artagnan, dit "le Gascon"'
    assert items[1].record.user_group is UserGroup.SCPO_PERSONNEL
    assert isinstance(items[2], Reject)
    assert (items[2].position, items[2].field, items[2].value) == (4, "user_group", "L")


def test_header_sniffing_picks_the_delimiter() -> None:
    assert sniff_header("f", "primary_id,last_name,first_name,user_group,expiry_date")[0] == ","
    assert sniff_header("f", "primary_id;last_name;first_name;user_group;expiry_date")[0] == ";"


def test_header_missing_a_column_is_refused() -> None:
    with pytest.raises(FeedRefusedError, match="expiry_date"):
        sniff_header("f.csv", "primary_id;last_name;first_name;user_group")
