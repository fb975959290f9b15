"""Fingerprint: same content same print, list order ignored, any content change seen."""

from collections.abc import Callable
from datetime import date

from patron_sync.domain.fingerprint import fingerprint
from patron_sync.domain.patron import Email, Identifier, PatronRecord, Phone

MakeRecord = Callable[..., PatronRecord]


def test_equal_records_equal_prints(make_record: MakeRecord) -> None:
    assert fingerprint(make_record()) == fingerprint(make_record())
    assert fingerprint(make_record()).startswith("v1:")


def test_list_order_does_not_matter(make_record: MakeRecord) -> None:
    emails = (Email(address="a@u-bordeaux.fr"), Email(address="b@u-bordeaux.fr", preferred=True))
    ids = (Identifier(value="AQ1"), Identifier(id_type="UNIV_ID", value="X9"))
    one = make_record(emails=emails, identifiers=ids)
    other = make_record(emails=emails[::-1], identifiers=ids[::-1])
    assert fingerprint(one) == fingerprint(other)


def test_each_change_changes_the_print(make_record: MakeRecord) -> None:
    base = fingerprint(make_record())
    changed = [
        make_record(expiry_date=date(2027, 10, 1)),
        make_record(phones=(Phone(number="+33 5 56 00 00 00"),)),
        make_record(emails=(Email(address="eloise.lefevre@etu.u-bordeaux.fr"),)),  # not preferred
        make_record(campus="CARREIRE"),
    ]
    assert all(fingerprint(r) != base for r in changed)
