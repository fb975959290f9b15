"""Name search: accents and case ignored, from the third letter."""

from collections.abc import Callable

import pytest

from patron_sync.domain.errors import SearchTermTooShortError
from patron_sync.domain.patron import PatronRecord
from patron_sync.domain.search import check_search_term, matches_name, name_keys, search_key


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
