"""One repository suite, run against the in-memory fake and against the real store."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from patron_sync.adapters.memory import MemoryIzUnitOfWork
from patron_sync.adapters.mongo_iz import MongoIzUnitOfWork, ensure_iz_indexes
from patron_sync.domain.accounts import AccountKind, Patron
from patron_sync.domain.errors import DuplicateBarcodeError
from patron_sync.domain.patron import PatronRecord
from patron_sync.service_layer.unit_of_work import ConcurrentUpdateError, IzUnitOfWork, stage
from rebub.testing.plugin import Namespace
from rebub_shared.clock import MovableClock
from rebub_shared.messaging import make_broker
from rebub_shared.outbox import OutboxRelay

NOW = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)


@pytest.fixture
def make_record() -> Callable[..., PatronRecord]:
    def make(**changes: Any) -> PatronRecord:
        fields: dict[str, Any] = {
            "primary_id": "22001234",
            "last_name": "Lefèvre",
            "first_name": "Éloïse",
            "user_group": "L",
            "expiry_date": date(2027, 9, 30),
            "source_institution": "ub",
            "identifiers": [{"value": "AQ0001234567"}],
        }
        return PatronRecord.model_validate(fields | changes)

    return make


@pytest.fixture(params=["memory", "mongo"])
async def new_uow(
    request: pytest.FixtureRequest, namespace: Namespace, mongo_client: AsyncMongoClient[Any]
) -> AsyncIterator[Callable[[], IzUnitOfWork]]:
    if request.param == "memory":
        shared = MemoryIzUnitOfWork("ub")
        yield shared.fresh
        return
    db = mongo_client[f"{namespace.database_prefix}ub_patron_sync"]
    await ensure_iz_indexes(db)
    yield lambda: MongoIzUnitOfWork("ub", db, namespace.topics, MovableClock(NOW))


def _patron(make_record: Callable[..., PatronRecord], **changes: Any) -> Patron:
    record = make_record(**changes)
    return Patron(
        tenant="ub",
        account_id=record.primary_id,
        kind=AccountKind.EXTERNAL,
        record=record,
        version=1,
    )


async def test_saved_patron_is_found_by_id_barcode_and_name(
    new_uow: Callable[[], IzUnitOfWork], make_record: Callable[..., PatronRecord]
) -> None:
    uow = new_uow()
    stage(uow, None, _patron(make_record))
    [saved] = await uow.commit()
    assert saved.revision == 1
    reader = new_uow()
    assert (await reader.patrons.get("22001234")) == saved
    assert (await reader.patrons.by_barcode("AQ0001234567")) == saved
    assert [e.account_id for e in await reader.patrons.name_entries("elo")] == ["22001234"]
    assert await reader.patrons.name_entries("zzz") == []


async def test_a_barcode_is_held_by_one_account_only(
    new_uow: Callable[[], IzUnitOfWork], make_record: Callable[..., PatronRecord]
) -> None:
    uow = new_uow()
    stage(uow, None, _patron(make_record))
    await uow.commit()
    uow = new_uow()
    stage(uow, None, _patron(make_record, primary_id="other"))
    with pytest.raises(DuplicateBarcodeError, match="already held by 22001234"):
        await uow.commit()
    assert await new_uow().patrons.get("other") is None


async def test_a_stale_write_is_refused(
    new_uow: Callable[[], IzUnitOfWork], make_record: Callable[..., PatronRecord]
) -> None:
    uow = new_uow()
    stage(uow, None, _patron(make_record))
    [first] = await uow.commit()
    for name in ("Martin", "Durand"):
        uow = new_uow()
        stage(uow, first, first.patron.model_copy(update={"version": 2}))
        if name == "Martin":
            await uow.commit()
        else:
            with pytest.raises(ConcurrentUpdateError):
                await uow.commit()


async def test_a_write_stands_when_the_broker_is_away_and_its_events_wait_for_the_relay(
    namespace: Namespace,
    mongo_client: AsyncMongoClient[Any],
    make_record: Callable[..., PatronRecord],
) -> None:
    """The broker cannot take the relay right after the write: the command still succeeds, the
    events stay in the patron's outbox and the relay's loop has the patron to retry by ``_id``."""
    db = mongo_client[f"{namespace.database_prefix}ub_patron_sync"]
    away = make_broker(namespace.kafka(), client_id="away")  # never started: publishing fails
    relay = OutboxRelay(db["patrons"], away)
    uow = MongoIzUnitOfWork("ub", db, namespace.topics, MovableClock(NOW), relay)
    stage(uow, None, _patron(make_record))

    [saved] = await uow.commit()

    assert saved.revision == 1
    stored = await db["patrons"].find_one({"_id": "22001234"})
    assert stored is not None
    assert len(stored["outbox"]) == 1
    assert stored["outbox_pending"] is True
    assert relay.unsent == ["22001234"]
