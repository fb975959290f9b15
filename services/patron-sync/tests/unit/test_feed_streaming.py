"""Parsing streams: a feed's records are never all in memory."""

import tracemalloc
from pathlib import Path

import pytest

from patron_sync.adapters.feeds.alma_xml import _users
from patron_sync.adapters.feeds.feed import check_feed, read_feed
from patron_sync.domain.feed_records import ParsedAccount
from rebub.demo.feeds import write_alma_xml_feed, write_csv_feed

COUNT = 20_000


def _peak_while_parsing(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        check_feed(path)
        valid = sum(isinstance(i, ParsedAccount) for i in read_feed(path, "ub"))
        return valid, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_xml_peak_memory_far_below_file_size(tmp_path: Path) -> None:
    feed = write_alma_xml_feed(tmp_path / "big.xml", COUNT, "ub", bad_records=10)
    size = feed.path.stat().st_size
    valid, peak = _peak_while_parsing(feed.path)
    assert valid == COUNT - 10
    assert size > 10_000_000
    # What grows is the duplicate register: about 130 bytes per primary id.
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte file"


@pytest.mark.slow
def test_csv_peak_memory_far_below_holding_the_records(tmp_path: Path) -> None:
    """CSV is compact (~150 bytes a row), so compare with what the records would weigh if the
    parser kept them: streaming must stay an order of magnitude below."""
    feed = write_csv_feed(tmp_path / "big.csv", COUNT, "ub", bad_records=10)
    valid, peak = _peak_while_parsing(feed.path)
    assert valid == COUNT - 10
    tracemalloc.start()
    try:
        held = list(read_feed(feed.path, "ub"))
        holding = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(held) == COUNT
    assert peak < holding / 10, f"peak {peak} bytes, holding every record takes {holding}"


def test_handled_xml_elements_are_detached(tmp_path: Path) -> None:
    """libxml2's tree is outside tracemalloc's view: check the tree itself stays small (only
    the parser's read-ahead, a few dozen records, is ever attached to the root)."""
    feed = write_alma_xml_feed(tmp_path / "feed.xml", 2_000, "ub")
    widest = 0
    for element in _users(feed.path):
        widest = max(widest, len(element.getparent()))
    assert widest < 200
