"""Synthetic DSI feeds for tests, the benchmark and the demo: French names, realistic user groups
per source institution, a chosen number of bad records, deterministic for a given seed.

Primary ids depend on the source and the record index only (``UB-0000001``...), so feeds of
two seeds hold the same accounts with other content: handy to exercise updates.
Files are written as they are generated: 100,000 accounts never sit in memory.
"""

import csv
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path

from lxml import etree  # type: ignore[import-untyped]

from patron_sync.adapters.feeds.common import FeedFormat
from patron_sync.adapters.feeds.csv_feed import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from patron_sync.domain.search import search_key
from patron_sync.domain.user_groups import DEFAULT_FEED_GROUPS, UserGroup
from rebub.demo.french_names import FIRST_NAMES, LAST_NAMES, STREETS, TOWNS
from rebub_shared.tenancy import InstitutionCode

# Realistic shares: mostly 1st-cycle students.
_WEIGHTS = {
    UserGroup.L: 55, UserGroup.M: 25, UserGroup.D: 5, UserGroup.PERSONNEL: 8,
    UserGroup.ENSEIGNANT: 7, UserGroup.SCPO_ETUDIANT: 85, UserGroup.SCPO_PERSONNEL: 15,
    UserGroup.BSA_ETUDIANT: 85, UserGroup.BSA_PERSONNEL: 15,
}  # fmt: skip
_STAFF = {
    UserGroup.PERSONNEL,
    UserGroup.ENSEIGNANT,
    UserGroup.SCPO_PERSONNEL,
    UserGroup.BSA_PERSONNEL,
}
# Synthetic data: an institution added to the network file gets neutral campus and domain.
_CAMPUSES = {
    "ub": ("TALENCE", "CARREIRE", "VICTOIRE", "PESSAC"),
    "ubm": ("PESSAC",),
    "scpo": ("PESSAC",),
    "inp": ("TALENCE",),
    "bsa": ("GRADIGNAN",),
}
_DOMAINS = {
    "ub": "u-bordeaux.fr",
    "ubm": "u-bordeaux-montaigne.fr",
    "scpo": "sciencespobordeaux.fr",
    "inp": "bordeaux-inp.fr",
    "bsa": "agro-bordeaux.fr",
}


class BadRecordKind(StrEnum):
    """Kinds of bad records, used in turn."""

    MISSING_PRIMARY_ID = "missing_primary_id"
    UNKNOWN_USER_GROUP = "unknown_user_group"
    MALFORMED_DATE = "malformed_date"
    MALFORMED_EMAIL = "malformed_email"
    DUPLICATE_PRIMARY_ID = "duplicate_primary_id"


@dataclass(frozen=True, slots=True)
class SyntheticAccount:
    """One generated record, as the strings a feed holds (the CSV columns)."""

    primary_id: str
    last_name: str
    first_name: str
    user_group: str
    expiry_date: str
    email: str
    barcode: str
    address_line1: str
    postal_code: str
    city: str
    phone: str
    campus: str


@dataclass(frozen=True, slots=True)
class GeneratedFeed:
    """What was written: ``bad_positions`` are record numbers (XML) or line numbers (CSV)."""

    path: Path
    feed_format: FeedFormat
    records: int
    bad_positions: tuple[int, ...]


def _account(
    rng: random.Random, source: InstitutionCode, index: int, year: int
) -> SyntheticAccount:
    groups = sorted(DEFAULT_FEED_GROUPS[source])
    group = rng.choices(groups, weights=[_WEIGHTS[g] for g in groups])[0]
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{search_key(first)}.{search_key(last)}".replace(" ", "-").replace("'", "")
    postal_code, city = rng.choice(TOWNS)
    expiry = date(year + 2, 12, 31) if group in _STAFF else date(year, 9, 30)
    return SyntheticAccount(
        primary_id=f"{source.upper()}-{index + 1:07d}",
        last_name=last,
        first_name=first,
        user_group=group.value,
        expiry_date=expiry.isoformat(),
        email=f"{local}{index + 1}@{_DOMAINS.get(source, f'{source}.example.fr')}",
        barcode=f"AQ{rng.randrange(10**10):010d}",
        address_line1=f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
        postal_code=postal_code,
        city=city,
        phone=f"+33 5 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} 00",
        campus=rng.choice(_CAMPUSES.get(source, ("BORDEAUX",))),
    )


def _spoil(account: SyntheticAccount, kind: BadRecordKind, first_id: str) -> SyntheticAccount:
    spoilt = {
        BadRecordKind.MISSING_PRIMARY_ID: {"primary_id": ""},
        BadRecordKind.UNKNOWN_USER_GROUP: {"user_group": "ASTRONAUTE"},
        BadRecordKind.MALFORMED_DATE: {"expiry_date": "31/09/2027"},
        BadRecordKind.MALFORMED_EMAIL: {"email": "pas-une-adresse@@u-bordeaux"},
        BadRecordKind.DUPLICATE_PRIMARY_ID: {"primary_id": first_id},
    }[kind]
    return replace(account, **spoilt)


def bad_indexes(count: int, bad_records: int) -> tuple[int, ...]:
    """0-based indexes of the bad records, spread evenly; index 0 is always good (duplicates
    repeat its primary id)."""
    if not 0 <= bad_records < count:
        raise ValueError(f"bad_records={bad_records!r}: must be between 0 and count - 1")
    step = count / (bad_records + 1)
    return tuple(int(step * (k + 1)) for k in range(bad_records))


def synthetic_accounts(
    count: int, source: InstitutionCode, seed: int = 0, bad_records: int = 0, year: int = 2027
) -> Iterator[SyntheticAccount]:
    """Generate ``count`` records of ``source``'s feed lazily; bad kinds are used in turn."""
    rng = random.Random(f"{seed}-{source}")
    bad = dict(zip(bad_indexes(count, bad_records), range(bad_records), strict=True))
    kinds = list(BadRecordKind)
    first_id = ""
    for index in range(count):
        account = _account(rng, source, index, year)
        first_id = first_id or account.primary_id
        if index in bad:
            account = _spoil(account, kinds[bad[index] % len(kinds)], first_id)
        yield account


def _user_element(account: SyntheticAccount) -> object:
    user = etree.Element("user")
    for name in ("primary_id", "first_name", "last_name", "user_group", "expiry_date"):
        etree.SubElement(user, name).text = getattr(account, name)
    etree.SubElement(user, "campus_code").text = account.campus
    contact = etree.SubElement(user, "contact_info")
    address = etree.SubElement(etree.SubElement(contact, "addresses"), "address", preferred="true")
    for name, value in (("line1", account.address_line1), ("city", account.city)):
        etree.SubElement(address, name).text = value
    etree.SubElement(address, "postal_code").text = account.postal_code
    etree.SubElement(address, "country").text = "FRA"
    email = etree.SubElement(etree.SubElement(contact, "emails"), "email", preferred="true")
    etree.SubElement(email, "email_address").text = account.email
    phone = etree.SubElement(etree.SubElement(contact, "phones"), "phone", preferred="true")
    etree.SubElement(phone, "phone_number").text = account.phone
    identifier = etree.SubElement(etree.SubElement(user, "user_identifiers"), "user_identifier")
    etree.SubElement(identifier, "id_type").text = "BARCODE"
    etree.SubElement(identifier, "value").text = account.barcode
    return user


def write_alma_xml_feed(
    path: Path, count: int, source: InstitutionCode, seed: int = 0, bad_records: int = 0
) -> GeneratedFeed:
    """Write an Alma user XML feed of ``count`` records, ``bad_records`` of them bad."""
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("users"):
            for account in synthetic_accounts(count, source, seed, bad_records):
                xf.write("\n", _user_element(account))
            xf.write("\n")
    positions = tuple(i + 1 for i in bad_indexes(count, bad_records))
    return GeneratedFeed(path, FeedFormat.ALMA_XML, count, positions)


def write_csv_feed(
    path: Path,
    count: int,
    source: InstitutionCode,
    seed: int = 0,
    bad_records: int = 0,
    *,
    delimiter: str = ";",
    bom: bool = False,
) -> GeneratedFeed:
    """Write a CSV feed (documented columns, header on line 1), ``bad_records`` of them bad."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=delimiter, lineterminator="\n")
        writer.writerow(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        for account in synthetic_accounts(count, source, seed, bad_records):
            values = asdict(account)
            writer.writerow([values[c] for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS])
    positions = tuple(i + 2 for i in bad_indexes(count, bad_records))
    return GeneratedFeed(path, FeedFormat.CSV, count, positions)
