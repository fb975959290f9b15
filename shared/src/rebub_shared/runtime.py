"""What every service instance has: its tenant's settings, a clock, topics, a broker with dead
letters and its database. Built without I/O (PyMongo's client connects on first use); the app's
lifespan checks the store answers, starts the broker, and closes both.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry, Counter, Gauge
from pymongo.asynchronous.database import AsyncDatabase

from rebub_shared.clock import Clock, MovableClock, SystemClock
from rebub_shared.logging import get_logger
from rebub_shared.messaging import (
    DeadLetters,
    check_kafka_identity,
    dead_letter_middleware,
    make_broker,
)
from rebub_shared.mongo import Document, database_name, mongo_client
from rebub_shared.outbox import OutboxRelay
from rebub_shared.parking import parked_counter
from rebub_shared.settings import ServiceSettings
from rebub_shared.topic_table import TopicSpec
from rebub_shared.topics import Topics

log = get_logger(__name__)


@dataclass
class Runtime:
    """One service instance's collaborators (the database's client connects on first use)."""

    service: str
    settings: ServiceSettings
    clock: Clock
    topics: Topics
    broker: KafkaBroker
    dead_letters: DeadLetters
    db: AsyncDatabase[Document] = field(repr=False)
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry, repr=False)

    @property
    def tenant(self) -> Any:
        return self.settings.tenant

    @cached_property
    def outbox_parked(self) -> Counter:
        """Outbox entries parked by any of this instance's relays (one metric per registry)."""
        return parked_counter(self.metrics)

    @cached_property
    def outbox_waiting(self) -> Gauge:
        """How long each relay's oldest unpublished document has waited (one metric per registry)."""
        return Gauge(
            "rebub_outbox_oldest_pending_seconds",
            "Age of the oldest document whose outbox entries the relay has not published yet",
            ["tenant", "collection"],
            registry=self.metrics,
        )

    def outbox_relay(self, collection: str, **options: Any) -> OutboxRelay:
        """The outbox relay of one of this instance's collections, its command publish bounded by ``kafka.publish_timeout_s``, its parked entries counted and its oldest pending document's age measured."""
        options.setdefault("publish_timeout_s", self.settings.kafka.publish_timeout_s)
        relay = OutboxRelay(self.db[collection], self.broker, parked=self.outbox_parked, **options)
        waiting = self.outbox_waiting.labels(tenant=self.tenant, collection=collection)
        waiting.set_function(lambda: relay.oldest_unsent_s)
        return relay

    async def ready(self, timeout_s: float = 2.0) -> dict[str, bool]:
        """Whether the broker and the store answer (for ``/ready``), each within ``timeout_s``
        (a dead store would otherwise hold the probe for the server selection timeout)."""
        try:
            await asyncio.wait_for(self.db.command("ping"), timeout_s)
            store = True
        except Exception:  # any failure means "not ready"; the probe says no more
            store = False
        return {"broker": await self.broker.ping(timeout=timeout_s), "store": store}


def build_runtime(settings: ServiceSettings, service: str, clock: Clock | None = None) -> Runtime:
    """Wire one service instance without touching the network (subscribers are added afterwards).

    Raises ``KafkaIdentityError`` when the Kafka credentials belong to another tenant.
    """
    check_kafka_identity(settings.kafka, settings.tenant)
    if clock is None:
        clock = MovableClock(frozen=False) if settings.dev_clock_enabled else SystemClock()
    topics = Topics(settings.kafka.topic_prefix)
    broker = make_broker(settings.kafka, client_id=f"{settings.tenant}.{service}")
    metrics = CollectorRegistry()
    dead_letters = DeadLetters(broker, topics, settings.tenant, metrics, service)
    broker.add_middleware(dead_letter_middleware(dead_letters))
    db = mongo_client(settings.mongo)[database_name(settings.mongo, settings.tenant, service)]
    runtime = Runtime(service, settings, clock, topics, broker, dead_letters, db, metrics)
    # Consumer and producer metrics (messages, sizes, durations, errors) for `/metrics`; one
    # registry per instance, so several instances in one process (tests) never collide.
    broker.add_middleware(
        KafkaPrometheusMiddleware(registry=runtime.metrics, app_name=f"{settings.tenant}.{service}")
    )
    return runtime


#: A topic still missing from the metadata this long after its creation was asked is asked again.
RECREATE_AFTER_S = 10.0


class TopicsUnavailableError(RuntimeError):
    """The broker did not answer the topic check in time: the service does not start."""


async def ensure_topics(
    bootstrap: str,
    specs: Sequence[TopicSpec],
    *,
    timeout_s: float = 30.0,
    attempts: int = 2,
    **client_options: Any,
) -> None:
    """Create missing topics (local runs and tests); where ACLs forbid it, the cluster owns them.

    Each attempt is bounded: a broker that accepts the connection but never answers must not
    leave the service starting forever (better a clear error, and a restart by the platform)."""
    if not specs:
        return
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(timeout_s):
                await _create_missing_topics(bootstrap, specs, client_options)
            return
        except TimeoutError:
            log.warning("topics_check_timed_out", bootstrap=bootstrap, attempt=attempt)
    raise TopicsUnavailableError(
        f"Kafka at {bootstrap} did not answer the topic check ({attempts} attempts of "
        f"{timeout_s:g} s)"
    )


def _new_topic(spec: TopicSpec) -> NewTopic:
    """The admin request creating ``spec`` (one replica: local brokers and tests only)."""
    configs = {k: str(v) for k, v in spec.config().items()}
    return NewTopic(spec.name, spec.partitions, 1, topic_configs=configs)


async def _create_missing_topics(
    bootstrap: str, specs: Sequence[TopicSpec], client_options: dict[str, Any]
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    try:
        await admin.start()
        # Until every topic shows in the metadata: a busy broker may answer the creation with a
        # per-topic error (never raised) or show the topic late, and a consumer that starts
        # before gives up with UnknownTopicOrPartitionError (the caller bounds the wait).
        asked = -RECREATE_AFTER_S
        while True:
            existing = set(await admin.list_topics())
            if not (missing := [_new_topic(s) for s in specs if s.name not in existing]):
                break
            if time.monotonic() - asked >= RECREATE_AFTER_S:  # not a request per poll
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(missing)
                asked = time.monotonic()
            await asyncio.sleep(1.0)
    except KafkaError as error:
        log.warning("topics_not_created", error=str(error))
    finally:
        with contextlib.suppress(Exception):  # closing must not hang or mask the outcome either
            await asyncio.wait_for(asyncio.shield(admin.close()), 5)


@asynccontextmanager
async def running(
    runtime: Runtime,
    *,
    topics: Sequence[TopicSpec] = (),
    on_start: Callable[[Runtime], Awaitable[None]] | None = None,
    on_stop: Callable[[Runtime], Awaitable[None]] | None = None,
) -> AsyncIterator[Runtime]:
    """Check the store answers, prepare (indexes, topics, relays), start consuming; undo it all
    on exit (the client closed here opens again if the same runtime is run again)."""
    settings = runtime.settings
    client = runtime.db.client
    try:
        await client.admin.command("ping")
        if settings.kafka.security_protocol == "PLAINTEXT":
            await ensure_topics(settings.kafka.bootstrap, topics)
        if on_start:
            await on_start(runtime)
        await runtime.broker.start()
        try:
            yield runtime
        finally:
            await runtime.broker.stop()
            if on_stop:
                await on_stop(runtime)
    finally:
        await client.close()
