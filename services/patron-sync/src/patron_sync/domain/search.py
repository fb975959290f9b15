"""Name search at the desk: suggestions from the third letter, accents and case ignored."""

import unicodedata
from collections.abc import Iterable

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
