"""Desk name search on the real store, in a network of 3,000 accounts that share 40 French last
names: the institution's own patrons come first, and paging reaches everyone."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from patron_sync.adapters.feeds.feed import read_feed
from patron_sync.adapters.mongo_iz import NZ_NAMES, MongoIzUnitOfWork, ensure_iz_indexes
from patron_sync.domain.feed_records import ParsedAccount
from patron_sync.domain.nz_accounts import NzAccount, decide_nz_import
from patron_sync.domain.search import name_keys
from patron_sync.service_layer.queries import search_by_name
from rebub.demo.feeds import write_csv_feed
from rebub.testing.plugin import Namespace
from rebub_shared.clock import MovableClock
from rebub_shared.tenancy import institution_codes

pytestmark = pytest.mark.integration

NOW = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)
PER_INSTITUTION = 600  # the demo's default size: 3,000 network accounts


def _network(folder: Path) -> list[NzAccount]:
    accounts = []
    for source in institution_codes():
        feed = write_csv_feed(folder / f"{source}.csv", PER_INSTITUTION, source, seed=2026)
        for item in read_feed(feed.path, source):
            assert isinstance(item, ParsedAccount)
            accounts.append(decide_nz_import(item.record, None, NOW).account)
    return accounts


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> list[NzAccount]:
    return _network(tmp_path_factory.mktemp("feeds"))


@pytest.fixture
async def scpo(
    namespace: Namespace, mongo_client: AsyncMongoClient[Any], network: list[NzAccount]
) -> MongoIzUnitOfWork:
    """scpo's zone with the whole network projected, as its consumer writes it (batches of 1,000)."""
    db = mongo_client[f"{namespace.database_prefix}scpo_patron_sync"]
    await ensure_iz_indexes(db)
    uow = MongoIzUnitOfWork("scpo", db, namespace.topics, MovableClock(NOW))
    for start in range(0, len(network), 1000):
        await uow.nz.put(network[start : start + 1000], [])
    return uow


async def test_scpo_finds_its_own_patron_on_the_first_page(
    scpo: MongoIzUnitOfWork, network: list[NzAccount]
) -> None:
    assert len(network) == 3000
    own_martins = sorted(
        a.record.primary_id
        for a in network
        if a.record.source_institution == "scpo" and a.record.last_name == "Martin"
    )
    page = await search_by_name(scpo, "Mart", NOW, limit=20)
    shown = [s.patron.account_id for s in page.patrons]
    assert 0 < len(own_martins) <= 20
    assert set(shown[: len(own_martins)]) == set(own_martins)  # before the other institutions'
    everyone = [a for a in network if any(k.startswith("mart") for k in name_keys(a.record))]
    assert page.total == len(everyone) > 20
    assert page.next_offset == 20
    # only the page shown is linked into scpo (link on first use)
    assert await scpo.patrons.collection.count_documents({}) == len(shown)


async def test_paging_reaches_every_match_once(
    scpo: MongoIzUnitOfWork, network: list[NzAccount]
) -> None:
    expected = {
        a.record.primary_id
        for a in network
        if any(k.startswith("mar") for k in name_keys(a.record))
    }
    first = await search_by_name(scpo, "mar", NOW, limit=50)
    seen = [s.patron.account_id for s in first.patrons]
    offset = first.next_offset
    while offset is not None:
        page = await search_by_name(scpo, "mar", NOW, offset=offset, limit=50)
        assert page.total == first.total  # linking a page never changes the count
        seen += [s.patron.account_id for s in page.patrons]
        offset = page.next_offset
    assert len(seen) == len(set(seen)) == first.total
    assert set(seen) == expected
    # now all linked into scpo: the same people, scpo's own still first
    again = await search_by_name(scpo, "mar", NOW, limit=first.total)
    assert {s.patron.account_id for s in again.patrons} == expected
    assert await scpo.patrons.collection.count_documents({}) == len(expected)


async def test_last_name_and_first_letters_of_the_first_name(
    scpo: MongoIzUnitOfWork, network: list[NzAccount]
) -> None:
    chloes = [
        a.record
        for a in network
        if a.record.last_name == "Martin" and a.record.first_name == "Chloé"
    ]
    page = await search_by_name(scpo, "martin chl", NOW, limit=100)
    assert sorted(s.patron.account_id for s in page.patrons) == sorted(r.primary_id for r in chloes)
    sources = [s.patron.record.source_institution for s in page.patrons]
    scpo_first = sorted(sources, key=lambda source: source != "scpo")
    assert sources == scpo_first


async def test_a_store_written_before_the_index_is_indexed_at_start(
    scpo: MongoIzUnitOfWork, network: list[NzAccount]
) -> None:
    before = (await search_by_name(scpo, "dupont", NOW, limit=100)).total
    await scpo._db[NZ_NAMES].delete_many({})
    await ensure_iz_indexes(scpo._db)
    assert (await search_by_name(scpo, "dupont", NOW, limit=100)).total == before > 0
