"""Alma user XML, as DSIs produce it for Alma's SIS import: ``<users><user>...</user></users>``.

Streaming: ``lxml.etree.iterparse`` on ``</user>`` and every handled element is cleared and
detached, so memory stays flat whatever the file size. Namespaces are ignored (``{*}``).
Encoding: UTF-8 unless the XML declaration names another one of ``ACCEPTED_ENCODINGS`` (then
libxml2 decodes it, as Alma would); another declared encoding, or bytes that do not match the
declared one, make the file refused.
A DOCTYPE makes the file refused: entities (internal or external) would change what a record
says, and an entity reference without one is not well-formed XML (refused with its line). So no
record is ever silently altered, and no DTD or network resource is loaded (hostile files).
"""

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree  # type: ignore[import-untyped]

from patron_sync.adapters.feeds.common import FeedCheck, FeedFormat, to_item
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.feed_records import FeedItem, PrimaryIdRegister, RawRecord
from patron_sync.domain.user_groups import DEFAULT_FEED_GROUPS, FeedGroups
from rebub_shared.tenancy import InstitutionCode

ROOT = "users"
#: Encodings a feed may declare (Python's names): UTF-8 and the Latin ones DSIs export.
ACCEPTED_ENCODINGS = frozenset({"utf-8", "ascii", "latin-1", "iso8859-1", "iso8859-15", "cp1252"})
DOCTYPE_REFUSED = "a DOCTYPE is not accepted (its entities would alter the records)"
_DECLARED_ENCODING = re.compile(
    rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']"
)


def _check_prolog(name: str, file: BinaryIO) -> None:
    """Refuse a feed declaring an encoding not in ``ACCEPTED_ENCODINGS`` (or in UTF-16), or
    starting with a DOCTYPE (named with its line; the parse checks a longer prolog again)."""
    head = file.read(4096)
    file.seek(0)
    doctype = head.find(b"<!DOCTYPE")
    if doctype >= 0:
        line = head.count(b"\n", 0, doctype) + 1
        raise FeedRefusedError(name, DOCTYPE_REFUSED, f"line {line}")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FeedRefusedError(name, "UTF-16 is not accepted (UTF-8 is expected)", "line 1")
    declared = _DECLARED_ENCODING.match(head)
    if declared is None:
        return
    label = declared.group(1).decode("ascii", "replace")
    try:
        encoding = codecs.lookup(label).name
    except LookupError:
        encoding = None
    if encoding not in ACCEPTED_ENCODINGS:
        raise FeedRefusedError(name, f"unsupported encoding {label[:40]!r} declared", "line 1")


def _check_no_doctype(name: str, element: Any) -> None:
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise FeedRefusedError(name, DOCTYPE_REFUSED, "prolog")


def _users(path: Path) -> Iterator[Any]:
    """``<user>`` elements one by one; the caller must not keep them (they are cleared)."""
    root = None
    try:
        with path.open("rb") as file:  # ours to close, also when the caller stops early
            _check_prolog(path.name, file)
            context = etree.iterparse(
                file,
                events=("end",),
                tag="{*}user",
                resolve_entities=False,
                load_dtd=False,
                no_network=True,
            )
            for _, element in context:
                if root is None:
                    _check_no_doctype(path.name, element)
                root = element.getroottree().getroot()
                if etree.QName(root).localname != ROOT:
                    break  # refused below, before any record of a foreign document is yielded
                yield element
                element.clear()
                # Drop handled siblings too, or the root keeps an empty element per record.
                while element.getprevious() is not None:
                    del element.getparent()[0]
            if root is None and context.root is not None:
                _check_no_doctype(path.name, context.root)
            root = context.root if root is None else root
    except etree.XMLSyntaxError as error:
        # Without a line, the exception only says the consequence ("no element found"); libxml2's
        # first error says what and where (an undeclared entity, for one).
        message, line = error.msg, error.lineno
        if not line and len(error.error_log):
            message, line = error.error_log[0].message, error.error_log[0].line
        where = f"line {line}" if line else None
        raise FeedRefusedError(path.name, f"not well-formed XML: {message}", where) from None
    except OSError as error:
        raise FeedRefusedError(path.name, f"unreadable: {error}") from None
    if root is None or etree.QName(root).localname != ROOT:
        found = "nothing" if root is None else f"<{etree.QName(root).localname}>"
        raise FeedRefusedError(path.name, f"not an Alma users feed: root is {found}")


def check_alma_xml(path: Path) -> FeedCheck:
    """Read the whole file without building records; raise :class:`FeedRefusedError` if it is
    not a well-formed, UTF-8 (or correctly declared) ``<users>`` document with one account."""
    count = sum(1 for _ in _users(path))
    if count == 0:
        raise FeedRefusedError(path.name, "holds no <user>")
    return FeedCheck(FeedFormat.ALMA_XML, count)


def _text(element: Any, path: str) -> str | None:
    value = element.findtext(path)
    if value is None:
        return None
    return value.strip() or None


def _preferred(element: Any) -> bool:
    return str(element.get("preferred", "false")).strip().lower() == "true"


def _raw(element: Any, position: int) -> RawRecord:
    contact = "{*}contact_info/"
    address_fields = ("line1", "line2", "postal_code", "city", "country")
    return RawRecord(
        position=position,
        primary_id=_text(element, "{*}primary_id"),
        last_name=_text(element, "{*}last_name"),
        first_name=_text(element, "{*}first_name"),
        user_group=_text(element, "{*}user_group"),
        expiry_date=_text(element, "{*}expiry_date"),
        campus=_text(element, "{*}campus_code"),
        emails=[
            {"address": _text(e, "{*}email_address"), "preferred": _preferred(e)}
            for e in element.iterfind(contact + "{*}emails/{*}email")
        ],
        addresses=[
            {f: _text(a, "{*}" + f) for f in address_fields} | {"preferred": _preferred(a)}
            for a in element.iterfind(contact + "{*}addresses/{*}address")
        ],
        phones=[
            {"number": _text(p, "{*}phone_number"), "preferred": _preferred(p)}
            for p in element.iterfind(contact + "{*}phones/{*}phone")
        ],
        identifiers=[
            {"id_type": _text(i, "{*}id_type") or "BARCODE", "value": _text(i, "{*}value")}
            for i in element.iterfind("{*}user_identifiers/{*}user_identifier")
        ],
    )


def iter_alma_xml(
    path: Path,
    source: InstitutionCode,
    feed_groups: FeedGroups = DEFAULT_FEED_GROUPS,
) -> Iterator[FeedItem]:
    """Yield a :class:`ParsedAccount` or a :class:`Reject` per ``<user>`` (record numbers from 1).

    Raises :class:`FeedRefusedError` where the file stops being XML: run
    :func:`check_alma_xml` first so that happens before anything is applied.
    """
    register = PrimaryIdRegister()
    for position, element in enumerate(_users(path), start=1):
        yield to_item(_raw(element, position), source, "record", register, feed_groups)
