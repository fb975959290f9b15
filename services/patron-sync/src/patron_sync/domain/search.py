"""Name search at the desk: suggestions from the third letter, accents and case ignored; the
institution's own people first, exact names before prefixes, every match reachable by paging."""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from patron_sync.domain.errors import SearchTermTooShortError
from patron_sync.domain.patron import PatronRecord

#: Rule (DOMAIN.md section 3): suggestions appear from the third letter.
MIN_SEARCH_LETTERS = 3

# Letters NFKD does not decompose but a French reader types without the ligature.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
_SEPARATORS = str.maketrans({c: " " for c in "-'’‘.,_/"})


def search_key(text: str) -> str:
    """Accent- and case-free form: NFKD, combining marks dropped, casefolded, ligatures
    spelled out, hyphens and apostrophes as spaces, spaces collapsed ("Éloïse" -> "eloise")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().translate(_SEPARATORS).split())


def check_search_term(term: str, field: str = "name") -> str:
    """Return the search key of ``term``; raise :class:`SearchTermTooShortError` (naming
    ``field`` and ``term``) if it holds fewer than three letters or digits."""
    key = search_key(term)
    if sum(c.isalnum() for c in key) < MIN_SEARCH_LETTERS:
        raise SearchTermTooShortError(
            field, term, f"type at least {MIN_SEARCH_LETTERS} letters to search"
        )
    return key


def name_keys(record: PatronRecord) -> tuple[str, ...]:
    """Keys a record is found by: last name, first name, both orders, and each word of them
    (so "Marie-Claire Dupont" is found by "claire"). Stored as an index by the repository."""
    last, first = search_key(record.last_name), search_key(record.first_name)
    full = [k for k in (last, first, f"{last} {first}", f"{first} {last}") if k.strip()]
    words = [w for k in (last, first) for w in k.split()]
    return tuple(dict.fromkeys([*full, *words]))


def matches_name(keys: Iterable[str], term: str) -> bool:
    """True if one of ``keys`` starts with the (checked) search term."""
    prefix = check_search_term(term)
    return any(k.startswith(prefix) for k in keys)


def name_bucket(key: str) -> str:
    """The bucket of the name index a key (or a checked search term) falls in: its first three
    characters. A term of three letters or more reads exactly one bucket."""
    return key[:MIN_SEARCH_LETTERS]


@dataclass(frozen=True, slots=True)
class NameEntry:
    """What the name index holds of one account: enough to match and rank it unread."""

    account_id: str
    keys: tuple[str, ...]
    last: str
    first: str
    source: str
    active: bool = True

    @classmethod
    def of(cls, account_id: str, record: PatronRecord, *, active: bool = True) -> "NameEntry":
        """The entry of ``record`` stored under ``account_id``."""
        return cls(
            account_id,
            name_keys(record),
            search_key(record.last_name),
            search_key(record.first_name),
            record.source_institution,
            active,
        )

    @property
    def buckets(self) -> set[str]:
        """Every bucket one of the keys falls in (keys shorter than a term match no term)."""
        return {name_bucket(k) for k in self.keys if len(k) >= MIN_SEARCH_LETTERS}


@dataclass(frozen=True, slots=True)
class NameMatch:
    """One account found by a name search; ``linked``: already in this institution zone."""

    entry: NameEntry
    linked: bool
    ours: bool
    exact: bool

    @property
    def order(self) -> tuple[bool, bool, str, str, str]:
        e = self.entry
        return (not self.ours, not self.exact, e.last, e.first, e.account_id)


def rank_matches(
    key: str, tenant: str, linked: Iterable[NameEntry], network: Iterable[NameEntry]
) -> list[NameMatch]:
    """Every account matching the checked term ``key``, best first.

    First the institution's own: its linked (active) accounts and the network accounts of its
    own source; then the others. In each group, exact names (a key equal to the term: "martin",
    "martin chloe") before prefixes, then by last name, first name and id. A network account
    already in this zone is shown once, as the zone's. Linking the accounts of a page only
    moves them into the first group, ahead of the pages not yet read: paging stays stable.
    """
    here = {e.account_id: e for e in linked}
    found = [
        NameMatch(e, True, True, key in e.keys)
        for e in here.values()
        if e.active and any(k.startswith(key) for k in e.keys)
    ]
    found += [
        NameMatch(e, False, e.source == tenant, key in e.keys)
        for e in network
        if e.account_id not in here and any(k.startswith(key) for k in e.keys)
    ]
    return sorted(found, key=lambda m: m.order)
