"""Hostile or altered feeds: a DOCTYPE, an entity, an unsupported encoding or a control character
makes the file or the record refused with its number, never silently altered (issue 13)."""

from pathlib import Path

import pytest

from patron_sync.adapters.feeds.feed import check_feed, read_feed
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.feed_records import ParsedAccount
from patron_sync.domain.import_report import Reject

USER = (
    "<user><primary_id>22001234</primary_id><last_name>{name}</last_name>"
    "<first_name>Camille</first_name><user_group>L</user_group>"
    "<expiry_date>2027-09-30</expiry_date></user>"
)


def _xml(tmp_path: Path, prolog: str, name: str = "Dupont", declaration: str = "") -> Path:
    path = tmp_path / "feed.xml"
    text = f"{declaration}\n{prolog}\n<users>{USER.format(name=name)}</users>\n"
    path.write_bytes(text.encode("latin-1" if "8859" in declaration else "utf-8"))
    return path


@pytest.mark.parametrize(
    ("prolog", "name", "reason", "where"),
    [
        ('<!DOCTYPE users [<!ENTITY xxe "B">]>', "A&xxe;", "DOCTYPE", "line 2"),
        ('<!DOCTYPE users SYSTEM "file:///etc/passwd">', "A&xxe;", "DOCTYPE", "line 2"),
        (
            '<!DOCTYPE users [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>',
            "A&xxe;",
            "DOCTYPE",
            "line 2",
        ),
        (
            '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
            "&lol2;",
            "DOCTYPE",
            "line 2",
        ),
        ("<!DOCTYPE users>", "Dupont", "DOCTYPE", "line 2"),
        # An undeclared entity is not well-formed: libxml2 names the entity (line 3) or, in some
        # runs of the whole suite, only the consequence ("premature end of data", line 1).
        ("", "A&xxe;", "not well-formed XML", None),
        ("", "A&#1;", "not well-formed XML", "line 3"),
    ],
)
def test_entities_and_doctypes_refuse_the_file(
    tmp_path: Path, prolog: str, name: str, reason: str, where: str
) -> None:
    path = _xml(tmp_path, prolog, name)
    for read in (check_feed, lambda p: list(read_feed(p, "ub"))):
        with pytest.raises(FeedRefusedError) as refused:
            read(path)
        assert reason in refused.value.reason
        if where is not None:
            assert refused.value.where == where


@pytest.mark.parametrize("encoding", ["UTF-7", "X-NOPE", "EBCDIC-CP-US"])
def test_an_unsupported_declared_encoding_refuses_the_file(tmp_path: Path, encoding: str) -> None:
    path = _xml(tmp_path, "", declaration=f'<?xml version="1.0" encoding="{encoding}"?>')
    with pytest.raises(FeedRefusedError, match="unsupported encoding") as refused:
        check_feed(path)
    assert refused.value.where == "line 1"


def test_a_declared_latin1_feed_is_read(tmp_path: Path) -> None:
    declaration = '<?xml version="1.0" encoding="ISO-8859-1"?>'
    path = _xml(tmp_path, "", name="Lefèvre", declaration=declaration)
    check_feed(path)
    [account] = list(read_feed(path, "ub"))
    assert isinstance(account, ParsedAccount)
    assert account.record.last_name == "Lefèvre"


def test_a_control_character_refuses_the_record_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(
        "primary_id;last_name;first_name;user_group;expiry_date\n"
        "22001234;Dupont;Camille;L;2027-09-30\n"
        "22005678;Du\x00pont;Camille;L;2027-09-30\n",
        encoding="utf-8",
    )
    check_feed(path)
    good, bad = list(read_feed(path, "ub"))
    assert isinstance(good, ParsedAccount)
    assert isinstance(bad, Reject)
    assert (bad.position, bad.position_kind, bad.field) == (3, "line", "last_name")
