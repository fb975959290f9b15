"""The import history's retention on both stores: an import received 364 days before the
daily job's run stays, one received 366 days before goes (a period of 365 days)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from patron_sync.adapters.memory import MemoryImportHistory
from patron_sync.adapters.mongo_history import MongoImportHistory
from patron_sync.domain.import_history import ImportEntry
from patron_sync.service_layer.unit_of_work import ImportHistory
from patron_sync.settings import PatronSyncSettings
from rebub.testing.plugin import Namespace

RUN = datetime(2027, 11, 6, 2, 0, tzinfo=UTC)  # the daily job's run


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
async def history(
    request: pytest.FixtureRequest, namespace: Namespace, mongo_client: AsyncMongoClient[Any]
) -> AsyncIterator[ImportHistory]:
    if request.param == "memory":
        yield MemoryImportHistory()
        return
    yield MongoImportHistory(mongo_client[f"{namespace.database_prefix}network_patron_sync"])


def _entry(import_id: str, received_at: datetime) -> ImportEntry:
    return ImportEntry(
        id=import_id,
        source="ub",
        mode="full",
        file_name="ub.xml",
        checksum="0" * 64,
        size=10,
        uploaded_by="ub-feed",
        received_at=received_at,
        outcome="refused",
        refusal="truncated",
    )


async def test_an_import_366_days_old_goes_and_364_days_old_stays(
    history: ImportHistory,
) -> None:
    await history.add(_entry("old", datetime(2026, 11, 5, 2, 0, tzinfo=UTC)))  # 366 days
    await history.add(_entry("young", datetime(2026, 11, 7, 2, 0, tzinfo=UTC)))  # 364 days
    period = PatronSyncSettings(tenant="network").retention.import_history

    assert await history.purge_before(period.cutoff(RUN)) == 1

    assert [entry.id for entry in await history.latest()] == ["young"]
