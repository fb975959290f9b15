"""Alma user XML, as DSIs produce it for Alma's SIS import: ``<users><user>...</user></users>``.

Streaming: ``lxml.etree.iterparse`` on ``</user>`` and every handled element is cleared and
detached, so memory stays flat whatever the file size. Namespaces are ignored (``{*}``).
Encoding: UTF-8 unless the XML declaration names another one (then libxml2 decodes it, as
Alma would); bytes that do not match the declared encoding make the file refused.
Entities are not expanded and no DTD or network resource is loaded (hostile files).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from patron_sync.adapters.feeds.common import FeedCheck, FeedFormat, FeedItem, to_item
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.feed_records import PrimaryIdRegister, RawRecord
from patron_sync.domain.institutions import Institution
from patron_sync.domain.user_groups import DEFAULT_FEED_GROUPS, FeedGroups

ROOT = "users"


def _users(path: Path) -> Iterator[Any]:
    """``<user>`` elements one by one; the caller must not keep them (they are cleared)."""
    root = None
    try:
        with path.open("rb") as file:  # ours to close, also when the caller stops early
            context = etree.iterparse(
                file,
                events=("end",),
                tag="{*}user",
                resolve_entities=False,
                load_dtd=False,
                no_network=True,
            )
            for _, element in context:
                root = element.getroottree().getroot()
                if etree.QName(root).localname != ROOT:
                    break  # refused below, before any record of a foreign document is yielded
                yield element
                element.clear()
                # Drop handled siblings too, or the root keeps an empty element per record.
                while element.getprevious() is not None:
                    del element.getparent()[0]
            root = context.root if root is None else root
    except etree.XMLSyntaxError as error:
        where = f"line {error.lineno}" if error.lineno else None
        raise FeedRefusedError(path.name, f"not well-formed XML: {error.msg}", where) from None
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
    source: Institution,
    feed_groups: FeedGroups = DEFAULT_FEED_GROUPS,
) -> Iterator[FeedItem]:
    """Yield a :class:`ParsedAccount` or a :class:`Reject` per ``<user>`` (record numbers from 1).

    Raises :class:`FeedRefusedError` where the file stops being XML: run
    :func:`check_alma_xml` first so that happens before anything is applied.
    """
    register = PrimaryIdRegister()
    for position, element in enumerate(_users(path), start=1):
        yield to_item(_raw(element, position), source, "record", register, feed_groups)
