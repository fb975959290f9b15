"""Name search: accents and case ignored, from the third letter."""

from collections.abc import Callable

import pytest

from patron_sync.domain.errors import SearchTermTooShortError
from patron_sync.domain.patron import PatronRecord
from patron_sync.domain.search import (
    NameEntry,
    check_search_term,
    matches_name,
    name_bucket,
    name_keys,
    rank_matches,
    search_key,
)


def test_search_key_drops_accents_case_and_ligatures() -> None:
    assert search_key("Éloïse") == "eloise"
    assert search_key("  ŒUVRARD  ") == "oeuvrard"
    assert search_key("D'Artagnan-Laborde") == "d artagnan laborde"


@pytest.mark.parametrize("term", ["elo", "ÉLO", "lefe", "eloise lef", "lefevre el"])
def test_eloise_found(make_record: Callable[..., PatronRecord], term: str) -> None:
    assert matches_name(name_keys(make_record()), term)


def test_other_name_not_found(make_record: Callable[..., PatronRecord]) -> None:
    assert not matches_name(name_keys(make_record()), "lou")


def test_each_word_of_a_compound_name_is_a_key(make_record: Callable[..., PatronRecord]) -> None:
    keys = name_keys(make_record(first_name="Marie-Claire"))
    assert matches_name(keys, "clai")


@pytest.mark.parametrize("term", ["el", "É", "  é-l "])
def test_fewer_than_three_letters_refused(term: str) -> None:
    with pytest.raises(SearchTermTooShortError) as refused:
        check_search_term(term)
    assert (refused.value.field, refused.value.value) == ("name", term)
    assert "at least 3 letters" in str(refused.value)


def _entry(pid: str, last: str, first: str, source: str, active: bool = True) -> NameEntry:
    keys = name_keys(
        PatronRecord.model_validate(
            {
                "primary_id": pid,
                "last_name": last,
                "first_name": first,
                "user_group": "L",
                "expiry_date": "2027-09-30",
                "source_institution": source,
            }
        )
    )
    return NameEntry(pid, keys, search_key(last), search_key(first), source, active)


def test_own_accounts_first_then_exact_names_then_alphabetical() -> None:
    linked = [_entry("UB-1", "Martin", "Zoé", "ub"), _entry("SCPO-9", "Marty", "Léa", "scpo")]
    network = [
        _entry("UB-2", "Martin", "Adrien", "ub"),
        _entry("SCPO-1", "Martinez", "Hugo", "scpo"),
        _entry("SCPO-2", "Martin", "Théo", "scpo"),
        _entry("UB-1", "Martin", "Zoé", "ub"),  # in the network zone too: shown once, as linked
    ]
    found = rank_matches("martin", "scpo", linked, network)
    # scpo's own (linked here, or from scpo's feed), exact before prefix ("Marty" is no match)
    assert [m.entry.account_id for m in found] == ["SCPO-2", "UB-1", "SCPO-1", "UB-2"]
    assert [m.exact for m in found] == [True, True, False, True]
    assert [m.linked for m in found] == [False, True, False, False]


def test_last_then_first_name_in_one_term() -> None:
    network = [_entry("UB-2", "Martin", "Chloé", "ub"), _entry("UB-3", "Martin", "Théo", "ub")]
    assert [m.entry.account_id for m in rank_matches("martin chl", "ubm", [], network)] == ["UB-2"]
    assert [m.entry.account_id for m in rank_matches("chloe mar", "ubm", [], network)] == ["UB-2"]


def test_a_closed_account_of_the_zone_is_not_offered() -> None:
    linked = [_entry("ATT-UB-2", "Martin", "Chloé", "ub", active=False)]
    assert rank_matches("martin", "ub", linked, []) == []


def test_every_key_of_three_letters_or_more_has_a_bucket() -> None:
    entry = _entry("UB-2", "Le", "Marie-Claire", "ub")
    assert entry.buckets == {"mar", "cla", "le "}
    assert name_bucket(check_search_term("Marie-Cl")) == "mar"
