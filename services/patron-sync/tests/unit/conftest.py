"""Shared fixtures: sample feed folder and small builders of records and accounts."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from patron_sync.domain.accounts import AccountKind, Patron
from patron_sync.domain.patron import Email, Identifier, PatronRecord
from patron_sync.domain.user_groups import UserGroup

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 10, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def make_record() -> Callable[..., PatronRecord]:
    def make(**changes: Any) -> PatronRecord:
        fields: dict[str, Any] = {
            "primary_id": "22001234",
            "last_name": "Lefèvre",
            "first_name": "Éloïse",
            "user_group": UserGroup.L,
            "expiry_date": date(2027, 9, 30),
            "source_institution": "ub",
            "emails": (Email(address="eloise.lefevre@etu.u-bordeaux.fr", preferred=True),),
            "identifiers": (Identifier(value="AQ0001234567"),),
        }
        return PatronRecord.model_validate(fields | changes)

    return make


@pytest.fixture
def make_patron(make_record: Callable[..., PatronRecord]) -> Callable[..., Patron]:
    def make(kind: AccountKind = AccountKind.EXTERNAL, **changes: Any) -> Patron:
        record = changes.pop("record", None) or make_record()
        fields: dict[str, Any] = {
            "tenant": "ubm",
            "account_id": record.primary_id,
            "kind": kind,
            "record": record,
            "version": 1,
        }
        return Patron.model_validate(fields | changes)

    return make
