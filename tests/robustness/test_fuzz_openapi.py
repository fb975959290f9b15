"""Property-based fuzzing of every service's OpenAPI document (schemathesis), on the real broker
and store: schema-valid and schema-invalid requests on every operation, every check on (no 5xx,
statuses, content types, headers and bodies as documented, invalid data refused, ``Allow`` on
405...). Bounded in examples so the three services take a couple of minutes together."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from circulation.entrypoints.http import create_app as circulation_app
from circulation.settings import CirculationSettings
from notifier.entrypoints.http import create_app as notifier_app
from notifier.settings import NotifierSettings
from patron_sync.entrypoints.http import create_app as patron_sync_app
from patron_sync.settings import PatronSyncSettings
from rebub.testing.plugin import Namespace
from rebub.testing.serving import served
from rebub_shared.auth.settings import AuthSettings

from .conftest import FuzzHeaders, fuzzed_schema

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: Examples per operation: enough to meet every bound and every error path, small for CI.
EXAMPLES = 10
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: a CI failure reproduces
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _common(namespace: Namespace, issuer: str) -> dict[str, Any]:
    return {
        "environment": "production",
        "kafka": namespace.kafka(),
        "mongo": namespace.mongo(),
        "auth": AuthSettings(issuer=issuer),
    }


@pytest.fixture(scope="module")
def circulation_schema(
    fuzz_namespace: Namespace, oidc_issuer: str, fuzz_headers: FuzzHeaders
) -> Iterator[Any]:
    settings_ = CirculationSettings(
        tenant="inp",
        consume_patrons=False,
        consume_network_activity=False,
        consume_loan_state=False,
        jobs_enabled=False,
        **_common(fuzz_namespace, oidc_issuer),
    )
    with served(circulation_app(settings_)) as base:
        item = {"barcode": "INP0001", "title": "T", "library": "ENSEIRB", "location": "ENSEIRB-LA"}
        headers = fuzz_headers("inp", "/items", None)
        httpx.post(f"{base}/items", json={"items": [item]}, headers=headers).raise_for_status()
        yield fuzzed_schema(base, headers)


@pytest.fixture(scope="module")
def patron_sync_desk_schema(
    fuzz_namespace: Namespace, oidc_issuer: str, fuzz_headers: FuzzHeaders
) -> Iterator[Any]:
    settings_ = PatronSyncSettings(tenant="ub", **_common(fuzz_namespace, oidc_issuer))
    with served(patron_sync_app(settings_)) as base:
        yield fuzzed_schema(base, fuzz_headers("ub", "/openapi.json", None))


@pytest.fixture(scope="module")
def patron_sync_network_schema(
    fuzz_namespace: Namespace, oidc_issuer: str, fuzz_headers: FuzzHeaders, tmp_path_factory: Any
) -> Iterator[Any]:
    spool = Path(tmp_path_factory.mktemp("spool"))
    values = _common(fuzz_namespace, oidc_issuer) | {
        "spool_dir": spool,
        "feed_max_bytes": 1024 * 1024,
    }
    with served(patron_sync_app(PatronSyncSettings(tenant="network", **values))) as base:
        yield fuzzed_schema(base, fuzz_headers("network", "/openapi.json", None))


@pytest.fixture(scope="module")
def notifier_schema(
    fuzz_namespace: Namespace, oidc_issuer: str, fuzz_headers: FuzzHeaders, tmp_path_factory: Any
) -> Iterator[Any]:
    letters = Path(tmp_path_factory.mktemp("letters"))
    values = _common(fuzz_namespace, oidc_issuer) | {
        "letters_dir": letters,
        "scheduler_enabled": False,
    }
    with served(notifier_app(NotifierSettings(tenant="ub", **values))) as base:
        yield fuzzed_schema(base, fuzz_headers("ub", "/openapi.json", None))


circulation = schemathesis.pytest.from_fixture("circulation_schema")
patron_sync_desk = schemathesis.pytest.from_fixture("patron_sync_desk_schema")
patron_sync_network = schemathesis.pytest.from_fixture("patron_sync_network_schema")
notifier = schemathesis.pytest.from_fixture("notifier_schema")


@circulation.parametrize()
@FUZZ
def test_circulation(case: Any, fuzz_headers: FuzzHeaders) -> None:
    _call(case, "inp", fuzz_headers)


@patron_sync_desk.parametrize()
@FUZZ
def test_patron_sync_institution(case: Any, fuzz_headers: FuzzHeaders) -> None:
    _call(case, "ub", fuzz_headers)


@patron_sync_network.parametrize()
@FUZZ
def test_patron_sync_network(case: Any, fuzz_headers: FuzzHeaders) -> None:
    _call(case, "network", fuzz_headers)


@notifier.parametrize()
@FUZZ
def test_notifier(case: Any, fuzz_headers: FuzzHeaders) -> None:
    _call(case, "ub", fuzz_headers)


def _call(case: Any, tenant: str, fuzz_headers: FuzzHeaders) -> None:
    """Call with a token holding every permission the case's path needs; validate everything."""
    case.call_and_validate(headers=fuzz_headers(tenant, case.path, case.query))
