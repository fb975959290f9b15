"""pytest plugin: one real broker, store and OIDC provider per run; each test its own topics and
databases; development tokens of the provider's realm (``dev_tokens``).

A run spread over workers (``pytest -n 2``, pytest-xdist) still has one broker, store and provider:
the controller chooses (and if need be starts) them before the workers start, and hands each
worker their addresses; the workers never start or stop servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import ExitStack, nullcontext
from dataclasses import asdict, dataclass
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from rebub.identity import DevTokens
from rebub.testing.backends import Backends, choose_backends
from rebub.testing.log_scan import CapturedLogs, captured_logs
from rebub.testing.unit_guard import is_unit_test, unit_test_bounds
from rebub_shared.settings import KafkaSettings, MongoSettings
from rebub_shared.topics import Topics


@dataclass(frozen=True)
class Namespace:
    """One test's names: a topic and consumer-group prefix and a database prefix."""

    backends: Backends
    token: str

    @property
    def topic_prefix(self) -> str:
        return f"t-{self.token}."

    @property
    def database_prefix(self) -> str:
        return f"t{self.token}_"

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    def kafka(self, **overrides: Any) -> KafkaSettings:
        """Kafka settings for a service under test (the run's broker, this test's prefix)."""
        return KafkaSettings(
            bootstrap=self.backends.kafka_bootstrap, topic_prefix=self.topic_prefix, **overrides
        )

    def mongo(self, **overrides: Any) -> MongoSettings:
        """Mongo settings for a service under test (the run's store, this test's databases)."""
        return MongoSettings(
            uri=self.backends.mongo_uri, database_prefix=self.database_prefix, **overrides
        )


_BACKENDS = "rebub_backends"
_chosen = pytest.StashKey[Backends]()


def _spread_over_workers(config: pytest.Config) -> bool:
    """True in the controller of a run with xdist workers (not in a worker, not without ``-n``)."""
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """The controller of a spread run chooses the backends once, for every worker."""
    if _spread_over_workers(config):
        stack = ExitStack()
        config.stash[_chosen] = stack.enter_context(choose_backends())
        config.add_cleanup(stack.close)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: each worker is given the controller's backends."""
    node.workerinput[_BACKENDS] = asdict(node.config.stash[_chosen])


@pytest.fixture(scope="session")
def backends(request: pytest.FixtureRequest) -> Iterator[Backends]:
    """The run's real Kafka broker and document store (see ``rebub.testing.backends``)."""
    given = getattr(request.config, "workerinput", {}).get(_BACKENDS)
    if given is not None:
        yield Backends(**given)
        return
    with choose_backends() as chosen:
        yield chosen


@pytest.fixture(scope="session")
def oidc_issuer(backends: Backends) -> str:
    """The run's OIDC provider (the local Keycloak's realm ``rebub``, or ``REBUB_OIDC_ISSUER``)."""
    return backends.oidc_issuer


@pytest.fixture(scope="session")
def dev_tokens(oidc_issuer: str) -> DevTokens:
    """Cached development tokens: ``dev_tokens.user("ub-desk")``, ``.client("rebub-demo-ub")``,
    ``.headers("ub-manager")`` (an ``Authorization`` header)."""
    return DevTokens(oidc_issuer)


@pytest.fixture(scope="session")
async def mongo_client(backends: Backends) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    """One client to the run's store, for tests that look inside databases."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(backends.mongo_uri, tz_aware=True)
    yield client
    await client.close()


@pytest.fixture
def namespace(backends: Backends) -> Namespace:
    """A fresh namespace for one test: its own topics, consumer groups and databases.

    Databases are not dropped afterwards: FerretDB v1 (SQLite) can deadlock when a database is
    dropped while a connection still holds it (a killed service's cursor, say), and unique names
    already keep tests apart. The run's servers are ephemeral in CI; `make clean` wipes local data.
    """
    return Namespace(backends, uuid.uuid4().hex[:10])


@pytest.fixture
def run_logs() -> Iterator[CapturedLogs]:
    """Every INFO log line of the test, to search them for personal data (``log_scan``)."""
    with captured_logs() as logs:
        yield logs


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use the real servers are integration tests, marked so they can be selected.

    Spread over workers, the files of slow tests go first: the longest (the demo twice) must not
    be the one that starts last and leaves a worker alone at the end."""
    for item in items:
        if "backends" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "integration"
        ):
            item.add_marker(pytest.mark.integration)
    if getattr(config.option, "numprocesses", None):
        slow_files = {item.path for item in items if item.get_closest_marker("slow")}
        items.sort(key=lambda item: item.path not in slow_files)  # stable: files stay whole


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    """A unit test's fixtures are set up without servers or toolchains (``unit_guard``)."""
    with unit_test_bounds() if is_unit_test(item) else nullcontext():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """A unit test runs without servers or toolchains (``unit_guard``)."""
    with unit_test_bounds() if is_unit_test(item) else nullcontext():
        return (yield)
