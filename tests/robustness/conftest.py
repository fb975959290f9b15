"""Fault tests on the real servers (what the services promise when processes, the broker or the
store fail, and when poison arrives: see ``docs/reliability.md``), and the OpenAPI fuzzing of every
service served over HTTP on the real broker and store.

Every HTTP call of this suite goes through :func:`api_client` (one place to add credentials).
Servers that a test stops or kills are its own (``private_kafka``, ``private_ferretdb``): the
run's shared broker and store are never touched. Loads are small and bounded in count and time.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig

from circulation.settings import CirculationSettings
from rebub.identity import DevTokens
from rebub.infra.ferretdb import LocalFerretDB
from rebub.infra.kafka import LocalKafka
from rebub.infra.paths import InfraPaths
from rebub.mailbox import free_port
from rebub.testing.backends import Backends
from rebub.testing.plugin import Namespace
from rebub.testing.samples import iz_patron
from rebub.testing.tokens import TokenAuth
from rebub.testing.waiting import eventually as eventually
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import EventPayload, new_event
from rebub_shared.contracts.patrons import Contact, IzPatron, PatronChanged
from rebub_shared.tenancy import institution_codes

# A desk of the ub institution (its policy knows BUST-PRET); the operator is the token's subject.
DESK_HEADERS = {"X-Desk": "BUST-PRET"}
# Who the suite's desk calls act as: a ub manager (desk operator, and the development clock).
DESK_USER = "ub-manager"
THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
LOAN_CREATED = "fr.bordeaux.rebub.loan.created.v1"
FIGURES = Path(os.environ.get("REBUB_ROBUSTNESS_FIGURES", ".rebub/robustness-figures.json"))


def api_client(
    *,
    auth: httpx.Auth,
    base_url: str | None = None,
    app: FastAPI | None = None,
    timeout_s: float = 30.0,
) -> httpx.AsyncClient:
    """The one HTTP client of this suite: a running service's port or an app in this process,
    every request carrying ``auth``'s bearer token (the ``desk_auth`` fixture's)."""
    headers = dict(DESK_HEADERS)
    if app is not None:
        return httpx.AsyncClient(
            # As a server would: an exception the app lets out is a 500 answer, not a test error.
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://service",
            headers=headers,
            auth=auth,
            timeout=timeout_s,
        )
    assert base_url is not None
    return httpx.AsyncClient(base_url=base_url, headers=headers, auth=auth, timeout=timeout_s)


@pytest.fixture(scope="session")
def desk_auth(dev_tokens: DevTokens) -> httpx.Auth:
    """The suite's credentials: every call as :data:`DESK_USER` (a fresh token near expiry)."""
    return TokenAuth(dev_tokens, DESK_USER)


# -- events ------------------------------------------------------------------------------------


def ub_patron(primary_id: str, version: int = 1) -> IzPatron:
    return iz_patron(
        primary_id,
        last_name="Martin",
        first_name="Louise",
        contact=Contact(emails=[f"{primary_id.lower()}@example.org"]),
        version=version,
    )


def record_of(
    data: EventPayload, tenant: str, subject: str, *, source: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The value and headers of a binary-mode CloudEvent, as a service would publish it."""
    event = new_event(
        data,
        source=source or f"/rebub/{tenant}/robustness",
        tenant=tenant,  # type: ignore[arg-type]
        subject=subject,
        clock=MovableClock(THU_1_OCT),
    )
    return json.dumps(data.model_dump(mode="json")).encode(), event.envelope.headers()


async def produce(
    bootstrap: str,
    topic: str,
    records: list[tuple[bytes | None, Mapping[str, str | bytes], str]],
) -> None:
    """Publish ``(value, headers, key)`` records, in order, on one partition per key."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=2_000_000)
    await producer.start()
    try:
        for value, headers, key in records:
            raw = [(k, v.encode() if isinstance(v, str) else v) for k, v in headers.items()]
            await producer.send_and_wait(topic, value, key=key.encode(), headers=raw)
    finally:
        await producer.stop()


async def publish_patrons(bootstrap: str, topic: str, primary_ids: list[str]) -> None:
    await produce(
        bootstrap,
        topic,
        [(*record_of(PatronChanged(patron=ub_patron(p)), "ub", p), p) for p in primary_ids],
    )


async def read_all(bootstrap: str, topic: str, *, settle_s: float = 1.5) -> list[Any]:
    """Every record of ``topic`` now (reads until nothing new arrives for ``settle_s``)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle_s:
            batch = await consumer.getmany(timeout_ms=200)
            new = [r for rs in batch.values() for r in rs]
            if new:
                records += new
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return records


def header(record: Any, name: str) -> str | None:
    value = dict(record.headers or ()).get(name)
    return value.decode() if isinstance(value, bytes) else None


def loan_created_by_loan(records: list[Any]) -> tuple[dict[str, set[str]], int]:
    """``loan id -> distinct ce_ids`` of the LoanCreated records, and how many records repeated
    a ce_id already seen (at-least-once redeliveries, harmless to idempotent consumers)."""
    by_loan: dict[str, set[str]] = {}
    seen: Counter[str] = Counter()
    for record in records:
        if header(record, "ce_type") != LOAN_CREATED:
            continue
        ce_id = header(record, "ce_id") or ""
        seen[ce_id] += 1
        loan_id = json.loads(record.value)["loan"]["loan_id"]
        by_loan.setdefault(loan_id, set()).add(ce_id)
    return by_loan, sum(n - 1 for n in seen.values())


def delivery_figures(
    by_loan: Mapping[str, set[str]], redelivered: int, loan_ids: set[str]
) -> dict[str, int]:
    """What the loan events of ``loan_ids`` became: lost, duplicated (a second ce_id for one
    loan) and redelivered (a ce_id read again), from :func:`loan_created_by_loan`."""
    return {
        "events_lost": len(loan_ids - set(by_loan)),
        "events_duplicated": sum(len(ids) - 1 for ids in by_loan.values()),
        "events_redelivered_same_ce_id": redelivered,
    }


def answer_figures(outcomes: Mapping[str, int]) -> dict[str, int]:
    """How many requests the load sent, and how many a 5xx answered (outcome: the status)."""
    return {
        "requests": sum(outcomes.values()),
        "http_5xx": sum(n for status, n in outcomes.items() if status.startswith("5")),
    }


# -- circulation ---------------------------------------------------------------------------------


def desk_circulation_settings(
    namespace: Namespace, issuer: str, **overrides: Any
) -> CirculationSettings:
    """ub's circulation serving the desk alone (no consumer, no job), relaying every 0.5 s:
    what the fault tests load; ``overrides`` name another broker or store, or switch a part off."""
    values: dict[str, Any] = {
        "tenant": "ub",
        "environment": "test",
        "kafka": namespace.kafka(),
        "mongo": namespace.mongo(),
        "relay_interval_s": 0.5,
        "consume_patrons": False,
        "consume_network_activity": False,
        "consume_loan_state": False,
        "jobs_enabled": False,
        "auth": AuthSettings(issuer=issuer),
    }
    return CirculationSettings(**(values | overrides))


# -- items -------------------------------------------------------------------------------------


def write_items(path: Path, barcodes: list[str]) -> Path:
    lines = [
        json.dumps({"barcode": b, "title": f"Titre {b}", "library": "BUST", "location": "BUST-LA"})
        for b in barcodes
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


# -- a circulation instance as a process -------------------------------------------------------


@dataclasses.dataclass
class CirculationProcess:
    """``python -m circulation`` for ub, configured by the environment as in production."""

    namespace: Namespace
    items_file: Path
    kafka_bootstrap: str
    mongo_uri: str
    issuer: str
    auth: httpx.Auth
    port: int = dataclasses.field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        prefix = "REBUB_CIRCULATION__"
        return os.environ | {
            f"{prefix}TENANT": "ub",
            f"{prefix}ENVIRONMENT": "test",
            f"{prefix}FAST_CONSUMERS": "true",
            f"{prefix}RELAY_INTERVAL_S": "0.5",
            f"{prefix}JOBS_ENABLED": "false",
            f"{prefix}ITEMS_FILE": str(self.items_file),
            f"{prefix}KAFKA__BOOTSTRAP": self.kafka_bootstrap,
            f"{prefix}KAFKA__TOPIC_PREFIX": self.namespace.topic_prefix,
            f"{prefix}MONGO__URI": self.mongo_uri,
            f"{prefix}MONGO__DATABASE_PREFIX": self.namespace.database_prefix,
            f"{prefix}HTTP__PORT": str(self.port),
            f"{prefix}AUTH__ISSUER": self.issuer,
            f"{prefix}LOG_JSON": "true",
        }

    def launch(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "circulation"],
            env=self.environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def start(self) -> None:
        """Launch the process and wait until it answers (its clock set to a Thursday morning)."""
        self.launch()

        async def healthy() -> bool:
            try:
                async with api_client(
                    auth=self.auth, base_url=self.base_url, timeout_s=2
                ) as client:
                    answer = await client.put("/_dev/clock", json={"now": THU_1_OCT.isoformat()})
                    return answer.status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(healthy, "circulation answering", timeout_s=60)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no relay, no commit."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def circulation_process(
    namespace: Namespace, oidc_issuer: str, desk_auth: httpx.Auth
) -> Iterator[Callable[..., CirculationProcess]]:
    started: list[CirculationProcess] = []

    def make(**fields: Any) -> CirculationProcess:
        values = {
            "kafka_bootstrap": namespace.backends.kafka_bootstrap,
            "mongo_uri": namespace.backends.mongo_uri,
            "issuer": oidc_issuer,
            "auth": desk_auth,
        }
        process = CirculationProcess(namespace, **(values | fields))
        started.append(process)
        return process

    yield make
    for process in started:
        process.kill()


# -- private servers, to stop and kill -----------------------------------------------------------


class PrivateKafka(LocalKafka):
    """A broker of this test's own (never the run's shared one)."""

    external = None


class PrivateFerretDB(LocalFerretDB):
    """A store of this test's own (never the run's shared one)."""

    external = None


@pytest.fixture
def private_kafka(tmp_path: Path) -> Iterator[PrivateKafka]:
    paths = dataclasses.replace(InfraPaths.default(), home=tmp_path / "kafka-home")
    kafka = PrivateKafka(paths, free_port())
    kafka.prepare()
    kafka.start(timeout_s=120)
    yield kafka
    kafka.stop()


@pytest.fixture
def private_ferretdb(tmp_path: Path) -> Iterator[PrivateFerretDB]:
    paths = dataclasses.replace(InfraPaths.default(), home=tmp_path / "ferretdb-home")
    ferretdb = PrivateFerretDB(paths, free_port())
    ferretdb.start(timeout_s=60)
    yield ferretdb
    ferretdb.stop()


# -- the figures of the run, for docs/reliability.md ----------------------------------------------


@dataclasses.dataclass
class Figures:
    """What the suite tried and what it found, written to ``FIGURES`` at the end of the run."""

    counts: Counter[str] = dataclasses.field(default_factory=Counter)

    def add(self, **counts: int) -> None:
        self.counts.update(counts)


@pytest.fixture(scope="session")
def figures() -> Iterator[Figures]:
    collected = Figures()
    yield collected
    if collected.counts:
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        FIGURES.write_text(json.dumps(dict(sorted(collected.counts.items())), indent=2) + "\n")


@asynccontextmanager
async def app_running(app: FastAPI, auth: httpx.Auth) -> AsyncIterator[httpx.AsyncClient]:
    """An app's lifespan in this process, and the suite's client on it."""
    async with app.router.lifespan_context(app), api_client(auth=auth, app=app) as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a robustness test (``pytest -m robustness``)."""
    for item in items:
        if "tests/robustness/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.robustness)


FuzzHeaders = Callable[[str, str, Mapping[str, Any] | None], dict[str, str]]


@pytest.fixture(scope="session")
def fuzz_headers(dev_tokens: DevTokens) -> FuzzHeaders:
    """The headers of a fuzzing call ``(tenant, path, query)``: a token holding every permission
    the instance grants on that path. On an institution's instance its demo client (every role
    of the institution); ``/metrics`` the operations client's (the network observer); ``/erasures`` ub's privacy
    officer's, an external reader's ``/erasure`` its zone's; ``/import-overview`` the network
    observer's; on the
    network zone, an import as the demo client of its ``source`` (the only institution whose
    feed it may load; another or an invalid source is the one honest 403), else ub's."""

    def headers(tenant: str, path: str, query: Mapping[str, Any] | None) -> dict[str, str]:
        if path == "/metrics":
            return dev_tokens.headers("rebub-ops")
        if path.startswith("/erasures"):  # the privacy officer's alone (ub's, on the network)
            return dev_tokens.headers("ub-privacy")
        if path.endswith("/erasure"):  # an external reader's, by its own zone's officer
            return dev_tokens.headers(f"{tenant}-privacy")
        if path == "/import-overview":  # the network team's view of the imports
            return dev_tokens.headers("network-observer")
        institution = tenant
        if tenant == "network":
            source = (query or {}).get("source")
            institution = source if path == "/imports" and source in institution_codes() else "ub"
        return dev_tokens.headers(f"rebub-demo-{institution}")

    return headers


#: Every check on. Schema-valid data may still break a rule the schema cannot say (an unknown
#: desk, "give patron_id or loan_id", an expiry too far): 422 is an expected answer to it.
CONFIG = {
    # The token is ours to send (``fuzz_headers`` adds it to every call): the fuzzer neither
    # makes one up nor drops it, so a call it meant without a token is never sent with one.
    "generation": {"with-security-parameters": False},
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2XX", "404", "409", "422"]},
        # Schema-invalid data may be refused for its size before it is parsed. Never 403: the
        # token sent holds every permission of the path (``fuzz_headers``).
        "negative_data_rejection": {
            "expected-statuses": ["400", "404", "405", "409", "413", "415", "422"]
        },
    },
    # A streamed body (NDJSON or CSV lines) is text whatever the fuzzer meant by it: each line
    # is judged in the report (``invalid``, with its error), never the body as a whole.
    "operations": [
        {
            "include-path": "/patron-links/stream",
            "checks": {"negative_data_rejection": {"enabled": False}},
        }
    ],
}


def fuzzed_schema(base: str, headers: Mapping[str, str]) -> Any:
    """The app's own OpenAPI document, as it serves it (to a valid token). ``/ready`` is left
    out: its 503 (broker or store slow to answer its 2 s ping, as on a loaded machine) is its
    purpose, not a fault."""
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_url(
        f"{base}/openapi.json", config=config, headers=dict(headers)
    )
    return schema.exclude(path="/ready")


@pytest.fixture(scope="module")
def fuzz_namespace(backends: Backends) -> Namespace:
    """One namespace for a module's apps (they live as long as the module)."""
    return Namespace(backends, uuid.uuid4().hex[:10])
