"""Desk name search on the real store, in a network of 3,000 accounts that share 40 French last
names: the institution's own patrons come first, paging reaches everyone, a search links nobody,
and the projection holds no contact data of the network's accounts (issue 21)."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from patron_sync.adapters.feeds.feed import read_feed
from patron_sync.adapters.mongo_iz import NZ_NAMES, MongoIzUnitOfWork, ensure_iz_indexes
from patron_sync.domain.feed_records import ParsedAccount
from patron_sync.domain.nz_accounts import NzAccount, decide_nz_import
from patron_sync.domain.nz_entries import NZ_ENTRY_FIELDS
from patron_sync.domain.search import name_keys
from patron_sync.service_layer.queries import Found, search_by_name
from patron_sync.service_layer.unit_of_work import StoredPatron
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


def _id(found: Found) -> str:
    return found.patron.account_id if isinstance(found, StoredPatron) else found.primary_id


def _source(found: Found) -> str:
    if isinstance(found, StoredPatron):
        return found.patron.record.source_institution
    return found.source_institution


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


async def _no_contact_data_held(scpo: MongoIzUnitOfWork, network: list[NzAccount]) -> None:
    """No email, phone or address line of the network's accounts anywhere in scpo's database."""
    contacts = {
        text
        for a in network
        for text in (
            *(e.address for e in a.record.emails),
            *(p.number for p in a.record.phones),
            *(line for ad in a.record.addresses for line in (ad.line1, ad.line2, ad.city) if line),
        )
    }
    assert len(contacts) > 3000  # the feed gives every account an email, most an address
    held: set[str] = set()
    for name in await scpo._db.list_collection_names():
        async for doc in scpo._db[name].find({}):
            held |= _texts(doc)
    assert not held & contacts
    doc = await scpo.nz.collection.find_one({"_id": network[0].record.primary_id})
    assert doc is not None
    assert set(doc["entry"]) == set(NZ_ENTRY_FIELDS)


async def test_scpo_finds_its_own_patron_on_the_first_page(
    scpo: MongoIzUnitOfWork, network: list[NzAccount]
) -> None:
    assert len(network) == 3000
    own_martins = sorted(
        a.record.primary_id
        for a in network
        if a.record.source_institution == "scpo" and a.record.last_name == "Martin"
    )
    page = await search_by_name(scpo, "Mart", limit=20)
    shown = [_id(s) for s in page.patrons]
    assert 0 < len(own_martins) <= 20
    assert set(shown[: len(own_martins)]) == set(own_martins)  # before the other institutions'
    everyone = [a for a in network if any(k.startswith("mart") for k in name_keys(a.record))]
    assert page.total == len(everyone) > 20
    assert page.next_offset == 20
    # a search links nobody (issue 21): scpo holds no patron yet, and no contact data
    assert await scpo.patrons.collection.count_documents({}) == 0
    await _no_contact_data_held(scpo, network)


async def test_paging_reaches_every_match_once(
    scpo: MongoIzUnitOfWork, network: list[NzAccount]
) -> None:
    expected = {
        a.record.primary_id
        for a in network
        if any(k.startswith("mar") for k in name_keys(a.record))
    }
    first = await search_by_name(scpo, "mar", limit=50)
    seen = [_id(s) for s in first.patrons]
    offset = first.next_offset
    while offset is not None:
        page = await search_by_name(scpo, "mar", offset=offset, limit=50)
        assert page.total == first.total
        seen += [_id(s) for s in page.patrons]
        offset = page.next_offset
    assert len(seen) == len(set(seen)) == first.total
    assert set(seen) == expected
    assert await scpo.patrons.collection.count_documents({}) == 0


async def test_last_name_and_first_letters_of_the_first_name(
    scpo: MongoIzUnitOfWork, network: list[NzAccount]
) -> None:
    chloes = [
        a.record
        for a in network
        if a.record.last_name == "Martin" and a.record.first_name == "Chloé"
    ]
    page = await search_by_name(scpo, "martin chl", limit=100)
    assert sorted(_id(s) for s in page.patrons) == sorted(r.primary_id for r in chloes)
    sources = [_source(s) for s in page.patrons]
    scpo_first = sorted(sources, key=lambda source: source != "scpo")
    assert sources == scpo_first


async def test_a_store_written_before_the_index_is_indexed_at_start(
    scpo: MongoIzUnitOfWork, network: list[NzAccount]
) -> None:
    before = (await search_by_name(scpo, "dupont", limit=100)).total
    await scpo._db[NZ_NAMES].delete_many({})
    await ensure_iz_indexes(scpo._db)
    assert (await search_by_name(scpo, "dupont", limit=100)).total == before > 0


def _texts(value: Any) -> set[str]:
    """Every string held anywhere in a document (keys and values)."""
    if isinstance(value, dict):
        return {t for k, v in value.items() for t in ({str(k)} | _texts(v))}
    if isinstance(value, list | tuple):
        return {t for v in value for t in _texts(v)}
    return {value} if isinstance(value, str) else set()
