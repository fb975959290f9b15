"""CSV feeds: UTF-8 (a BOM is allowed), ``;`` or ``,`` sniffed from the header line.

Documented columns (header names, any order, case-insensitive; unknown columns are ignored):
required ``primary_id;last_name;first_name;user_group;expiry_date``, optional
``email;barcode;address_line1;postal_code;city;phone;campus``. Dates are ``YYYY-MM-DD``.
Streaming: the csv module reads line by line; a reject names the file's line number.
"""

import csv
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path

from patron_sync.adapters.feeds.common import FeedCheck, FeedFormat, to_item
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.feed_records import FeedItem, PrimaryIdRegister, RawRecord
from patron_sync.domain.import_report import Reject
from patron_sync.domain.user_groups import DEFAULT_FEED_GROUPS, FeedGroups
from rebub_shared.tenancy import InstitutionCode

REQUIRED_COLUMNS = ("primary_id", "last_name", "first_name", "user_group", "expiry_date")
OPTIONAL_COLUMNS = ("email", "barcode", "address_line1", "postal_code", "city", "phone", "campus")
DELIMITERS = (";", ",")


def sniff_header(feed: str, line: str) -> tuple[str, list[str]]:
    """The delimiter whose split of the header line holds every required column, and the
    column names (trimmed, lower-cased). Raises :class:`FeedRefusedError` if neither does."""
    for delimiter in DELIMITERS:
        columns = [c.strip().lower() for c in next(csv.reader([line], delimiter=delimiter))]
        if set(REQUIRED_COLUMNS) <= set(columns):
            return delimiter, columns
    required = ";".join(REQUIRED_COLUMNS)
    raise FeedRefusedError(feed, f"no CSV header with the columns {required}", "line 1")


def _utf8_lines(path: Path) -> Generator[str, None, None]:
    """Decode line by line, so a bad byte is reported with its line number."""
    with path.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                byte = raw[error.start : error.start + 1].hex()
                raise FeedRefusedError(
                    path.name, f"not UTF-8 (byte 0x{byte}; Latin-1?)", f"line {number}"
                ) from None


def check_csv(path: Path) -> FeedCheck:
    """Read the whole file without building records: UTF-8 throughout, a header with the
    required columns, at least one data row. Raises :class:`FeedRefusedError` otherwise."""
    with closing(_utf8_lines(path)) as lines:
        delimiter, _ = sniff_header(path.name, next(lines, ""))
        try:
            count = sum(1 for row in csv.reader(lines, delimiter=delimiter) if any(row))
        except csv.Error as error:
            raise FeedRefusedError(path.name, f"not CSV: {error}") from None
    if count == 0:
        raise FeedRefusedError(path.name, "holds no data row")
    return FeedCheck(FeedFormat.CSV, count, delimiter)


def _raw(line: int, row: dict[str, str | None]) -> RawRecord:
    email, barcode, phone = row.get("email"), row.get("barcode"), row.get("phone")
    address = {
        "line1": row.get("address_line1"),
        "postal_code": row.get("postal_code"),
        "city": row.get("city"),
    }
    return RawRecord(
        position=line,
        primary_id=row.get("primary_id"),
        last_name=row.get("last_name"),
        first_name=row.get("first_name"),
        user_group=row.get("user_group"),
        expiry_date=row.get("expiry_date"),
        campus=row.get("campus"),
        emails=[{"address": email, "preferred": True}] if email else [],
        identifiers=[{"id_type": "BARCODE", "value": barcode}] if barcode else [],
        addresses=[address | {"preferred": True}] if any(address.values()) else [],
        phones=[{"number": phone, "preferred": True}] if phone else [],
    )


def _rows(path: Path) -> Iterator[tuple[int, list[str], list[str]]]:
    """(line number, header, row) for each non-blank data row."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        try:
            delimiter, header = sniff_header(path.name, file.readline())
            reader = csv.reader(file, delimiter=delimiter)
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num + 1, header, row
        except UnicodeDecodeError as error:
            raise FeedRefusedError(path.name, f"not UTF-8: {error.reason}") from None
        except csv.Error as error:
            raise FeedRefusedError(path.name, f"not CSV: {error}") from None


def iter_csv(
    path: Path,
    source: InstitutionCode,
    feed_groups: FeedGroups = DEFAULT_FEED_GROUPS,
) -> Iterator[FeedItem]:
    """Yield a :class:`ParsedAccount` or a :class:`Reject` per data row, with its line number.

    Raises :class:`FeedRefusedError` where the file stops being UTF-8 CSV: run
    :func:`check_csv` first so that happens before anything is applied.
    """
    register = PrimaryIdRegister()
    for line, header, row in _rows(path):
        if len(row) != len(header):
            reason = f"expected {len(header)} columns, found {len(row)}"
            at = header.index("primary_id")
            yield Reject(
                position=line,
                position_kind="line",
                primary_id=row[at].strip() or None if at < len(row) else None,
                field="row",
                value=None,
                reason=reason,
            )
            continue
        values = {name: (cell.strip() or None) for name, cell in zip(header, row, strict=True)}
        yield to_item(_raw(line, values), source, "line", register, feed_groups)
