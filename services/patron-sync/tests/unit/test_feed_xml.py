"""Alma user XML feed: good records pass, each bad record is rejected with its record number."""

from pathlib import Path

from patron_sync.adapters.feeds.alma_xml import check_alma_xml, iter_alma_xml
from patron_sync.adapters.feeds.common import FeedFormat
from patron_sync.domain.feed_records import ParsedAccount
from patron_sync.domain.import_report import Reject
from patron_sync.domain.user_groups import UserGroup


def _split(path: Path) -> tuple[list[ParsedAccount], dict[int, Reject]]:
    items = list(iter_alma_xml(path, "ub"))
    accounts = [i for i in items if isinstance(i, ParsedAccount)]
    rejects = {i.position: i for i in items if isinstance(i, Reject)}
    return accounts, rejects


def test_check_counts_every_user_record(data_dir: Path) -> None:
    check = check_alma_xml(data_dir / "ub_users.xml")
    assert (check.feed_format, check.records) == (FeedFormat.ALMA_XML, 8)


def test_good_records_pass_with_every_field(data_dir: Path) -> None:
    accounts, _ = _split(data_dir / "ub_users.xml")
    assert [(a.position, a.record.primary_id) for a in accounts] == [
        (1, "22001234"),
        (2, "22005678"),
        (8, "22000008"),
    ]
    eloise = accounts[0].record
    assert eloise.first_name == "Éloïse"
    assert eloise.user_group is UserGroup.L
    assert eloise.expiry_date.isoformat() == "2027-09-30"  # trailing Z accepted
    assert eloise.campus == "TALENCE"
    assert [(e.address, e.preferred) for e in eloise.emails] == [
        ("eloise.lefevre@etu.u-bordeaux.fr", True),
        ("eloise@example.org", False),
    ]
    assert eloise.addresses[0].city == "Talence"
    assert eloise.addresses[0].postal_code == "33400"
    assert eloise.phones[0].number == "+33 5 40 00 60 00"
    assert eloise.barcodes() == {"AQ0001234567"}
    assert eloise.source_institution == "ub"


def test_each_bad_record_is_rejected_with_its_record_number(data_dir: Path) -> None:
    _, rejects = _split(data_dir / "ub_users.xml")
    found = {n: (r.field, r.primary_id) for n, r in rejects.items()}
    assert found == {
        3: ("primary_id", None),
        4: ("user_group", "22000004"),  # SCPO group in a UB feed
        5: ("expiry_date", "22000005"),
        6: ("email", "22000006"),
        7: ("primary_id", "22001234"),
    }
    assert rejects[5].value == "30/09/2027"
    assert rejects[6].value == "zoe.petit@@u-bordeaux.fr"
    assert "duplicate" in rejects[7].reason
    assert all(r.position_kind == "record" for r in rejects.values())


def test_namespaced_feed_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ns.xml"
    path.write_text(
        '<users xmlns="urn:x-alma"><user><primary_id>9</primary_id><last_name>Faure</last_name>'
        "<user_group>M</user_group><expiry_date>2027-09-30</expiry_date></user></users>",
        encoding="utf-8",
    )
    [item] = iter_alma_xml(path, "ub")
    assert isinstance(item, ParsedAccount)
    assert item.record.last_name == "Faure"
