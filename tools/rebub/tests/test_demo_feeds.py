"""Synthetic feeds: deterministic by seed, realistic groups, bad records where announced."""

from pathlib import Path

import pytest

from patron_sync.adapters.feeds.feed import check_feed, read_feed
from patron_sync.domain.import_report import Reject
from patron_sync.domain.user_groups import DEFAULT_FEED_GROUPS
from rebub.demo.feeds import (
    bad_indexes,
    synthetic_accounts,
    write_alma_xml_feed,
    write_csv_feed,
)
from rebub_shared.tenancy import InstitutionCode, institution_codes


def test_same_seed_same_feed_other_seed_other_names() -> None:
    first = list(synthetic_accounts(50, "ub", seed=7))
    assert first == list(synthetic_accounts(50, "ub", seed=7))
    other = list(synthetic_accounts(50, "ub", seed=8))
    assert [a.primary_id for a in other] == [a.primary_id for a in first]
    assert [a.last_name for a in other] != [a.last_name for a in first]


@pytest.mark.parametrize("source", list(institution_codes()))
def test_groups_are_those_of_the_source(source: InstitutionCode) -> None:
    groups = {a.user_group for a in synthetic_accounts(300, source, seed=1)}
    assert groups <= {g.value for g in DEFAULT_FEED_GROUPS[source]}


def test_bad_indexes_spread_and_never_the_first() -> None:
    assert bad_indexes(10, 4) == (2, 4, 6, 8)
    with pytest.raises(ValueError, match="bad_records=10"):
        bad_indexes(10, 10)


@pytest.mark.parametrize("writer", [write_alma_xml_feed, write_csv_feed])
def test_rejects_are_exactly_the_announced_bad_records(tmp_path: Path, writer: object) -> None:
    feed = writer(tmp_path / "feed", 1_000, "bsa", seed=3, bad_records=10)  # type: ignore[operator]
    assert check_feed(feed.path).records == 1_000
    rejects = [i for i in read_feed(feed.path, "bsa") if isinstance(i, Reject)]
    assert tuple(r.position for r in rejects) == feed.bad_positions
    assert {r.field for r in rejects} == {"primary_id", "user_group", "expiry_date", "email"}
