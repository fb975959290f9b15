"""Files that are not feeds are refused as a whole, by the pre-check, naming why."""

from pathlib import Path

import pytest

from patron_sync.adapters.feeds.common import FeedFormat
from patron_sync.adapters.feeds.feed import check_feed, detect_format, read_feed
from patron_sync.domain.errors import FeedRefusedError


@pytest.mark.parametrize(
    ("name", "reason", "where"),
    [
        ("latin1.csv", "not UTF-8", "line 3"),
        ("latin1_undeclared.xml", "not well-formed XML", "line 2"),
        ("truncated.xml", "not well-formed XML", None),
        ("no_header.csv", "no CSV header", "line 1"),
        ("not_users.xml", "not an Alma users feed: root is <items>", None),
    ],
)
def test_not_a_feed_is_refused(data_dir: Path, name: str, reason: str, where: str | None) -> None:
    with pytest.raises(FeedRefusedError) as refused:
        check_feed(data_dir / name)
    assert reason in refused.value.reason
    assert refused.value.feed == name
    if where:
        assert refused.value.where == where


def test_truncated_xml_refused_although_its_first_records_are_good(data_dir: Path) -> None:
    """The streaming parse would yield record 1 before failing: why the pre-check exists."""
    items = read_feed(data_dir / "truncated.xml", "ub")
    first = next(items)
    assert first.position == 1
    with pytest.raises(FeedRefusedError):
        list(items)


def test_empty_feeds_are_refused(tmp_path: Path) -> None:
    xml, csv = tmp_path / "empty.xml", tmp_path / "empty.csv"
    xml.write_text("<users></users>", encoding="utf-8")
    csv.write_text("primary_id;last_name;first_name;user_group;expiry_date\n", encoding="utf-8")
    for path in (xml, csv):
        with pytest.raises(FeedRefusedError, match="holds no"):
            check_feed(path)


def test_format_detected_by_content_without_suffix(tmp_path: Path) -> None:
    path = tmp_path / "export"
    path.write_bytes(b"\xef\xbb\xbf  <users/>")
    assert detect_format(path) is FeedFormat.ALMA_XML
