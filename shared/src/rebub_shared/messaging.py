"""Kafka through FastStream: the broker factory, consumer settings and dead letters.

Every consumer commits after its write (``AckPolicy.NACK_ON_ERROR``: an exception that escapes the
handler seeks back, so nothing is committed that was not written). What cannot be processed goes
to the tenant's dead-letter topic with the reason, and the consumer goes on; so does a record whose
tenant may not write on its topic (``rebub_shared.provenance``), before any handler sees it. A transient failure of
the store or the broker is not the message's fault: it is retried after a pause, never dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError
from faststream import AckPolicy, BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from faststream.security import BaseSecurity, SASLScram512
from prometheus_client import CollectorRegistry, Counter
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

from rebub_shared.dead_letter_purge import ORIGINAL_KEY_HEADER, dead_letter_key
from rebub_shared.logging import bind_message_context, get_logger
from rebub_shared.provenance import provenance_error
from rebub_shared.settings import KafkaSettings
from rebub_shared.tenancy import TenantCode
from rebub_shared.topics import Topics

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    TimeoutError,
    ConnectionError,
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
)
TRANSIENT_PAUSE_S = 1.0
log = get_logger(__name__)


class KafkaIdentityError(ValueError):
    """A service would use another tenant's Kafka credentials (or its own for another tenant)."""


def check_kafka_identity(settings: KafkaSettings, tenant: TenantCode) -> None:
    """With credentials set, the Kafka user must be the tenant itself (the platform's convention).

    The broker's ACLs refuse the other tenant's topics anyway; this check says so at start, in
    plain words, instead of as authorization failures on the first message.
    """
    if settings.username is not None and settings.username != tenant:
        raise KafkaIdentityError(
            f"kafka.username {settings.username!r} cannot serve tenant {tenant!r}: each "
            "institution's services use their own credentials"
        )


BROKER_LOGGER = "rebub.broker"


def make_broker(settings: KafkaSettings, *, client_id: str, **options: Any) -> KafkaBroker:
    """A broker for one service instance, with the tenant's own credentials when set."""
    security: BaseSecurity | None = None
    if settings.security_protocol != "PLAINTEXT":
        assert settings.username
        assert settings.password
        security = SASLScram512(
            username=settings.username,
            password=settings.password.get_secret_value(),
            use_ssl=settings.security_protocol == "SASL_SSL",
        )
    # FastStream's own logger writes coloured text with a handler of its own; this one propagates
    # to the root handler of ``configure_logging`` (JSON lines, with FastStream's context fields).
    options.setdefault("logger", logging.getLogger(BROKER_LOGGER))
    return KafkaBroker(settings.bootstrap, client_id=client_id, security=security, **options)


def consumer_options(*, fast: bool = False) -> dict[str, Any]:
    """Subscriber options every rebub consumer uses; ``fast`` tunes them for tests and the demo."""
    options: dict[str, Any] = {
        "auto_offset_reset": "earliest",
        "ack_policy": AckPolicy.NACK_ON_ERROR,
    }
    if fast:
        options |= {
            "fetch_max_wait_ms": 50,
            "heartbeat_interval_ms": 500,
            "session_timeout_ms": 6000,
        }
    return options


async def undecoded_batch(msg: StreamMessage[Any]) -> Any:
    """A batch subscriber's decoder that leaves the records as they are (its handler decodes
    each one and dead-letters the bad ones). FastStream's own decoder parses every record's
    JSON first: one record that is not JSON would fail the whole batch before the handler, and
    the batch would be read again forever."""
    return None


def dead_letter_counter(registry: CollectorRegistry) -> Counter:
    """The metric of dead letters, per tenant and original topic (``rebub dlq`` reads them)."""
    return Counter(
        "rebub_dead_letters",
        "Records a consumer could not process, sent to its tenant's dead-letter topic",
        ["tenant", "topic"],
        registry=registry,
    )


class DeadLetters:
    """Publishes a record that cannot be processed to the tenant's dead-letter topic, with the
    reason. Each dead letter has a key of its own (the consumer ``service`` and where it read the
    record: ``dead_letter_key``), its original key in the ``dlq_key`` header: the topic is
    compacted so that an erasure can remove one dead letter (``rebub_shared.dead_letter_purge``)."""

    def __init__(
        self,
        broker: KafkaBroker,
        topics: Topics,
        tenant: TenantCode,
        metrics: CollectorRegistry | None = None,
        service: str = "consumer",
    ) -> None:
        self._broker = broker
        self._topics = topics
        self._tenant = tenant
        self._service = service
        self._counter = None if metrics is None else dead_letter_counter(metrics)

    async def send(
        self,
        *,
        topic: str,
        value: bytes,
        key: bytes | None,
        headers: Mapping[str, Any],
        reason: str,
        partition: int | None = None,
        offset: int | None = None,
    ) -> str:
        """Send one record to the dead-letter topic of ``topic``; return that topic's name."""
        dlq = self._topics.dead_letter(topic, self._tenant)
        out = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in headers.items()}
        out |= {
            "dlq_reason": reason[:2000],
            "dlq_topic": topic,
            "dlq_partition": str(partition),
            "dlq_offset": str(offset),
        }
        if key is not None:
            out[ORIGINAL_KEY_HEADER] = key.decode("utf-8", "replace")
        own_key = dead_letter_key(self._service, topic, partition, offset)
        if offset is None:  # not read from a topic: unique by its event id
            own_key += f"/{out.get('ce_id', reason[:100])}"
        await self._broker.publish(value, dlq, key=own_key.encode(), headers=out)
        if self._counter is not None:
            self._counter.labels(tenant=self._tenant, topic=topic).inc()
        log.warning(
            "dead_lettered", topic=topic, dead_letter_topic=dlq, reason=reason, offset=offset
        )
        return dlq

    async def refuse_foreign(self, record: Any) -> bool:
        """Dead-letter ``record`` (an aiokafka record) if its tenant may not write on its topic
        (``rebub_shared.provenance``); True when it was refused."""
        headers = dict(record.headers or ())
        reason = provenance_error(self._topics, record.topic, headers)
        if reason is None:
            return False
        await self.send_record(record, f"ForeignTenantError: {reason}", headers)
        return True

    async def send_record(
        self, record: Any, reason: str, headers: Mapping[str, Any] | None = None
    ) -> str:
        """Dead-letter a consumed ``record`` (an aiokafka record) where it came from, with
        ``headers`` (default: its own)."""
        return await self.send(
            topic=record.topic,
            value=record.value or b"",
            key=record.key,
            headers=dict(record.headers or ()) if headers is None else headers,
            reason=reason,
            partition=record.partition,
            offset=record.offset,
        )


def dead_letter_middleware(dead_letters: DeadLetters) -> Callable[..., BaseMiddleware]:
    """A FastStream middleware for single-record subscribers: poison records go to dead letters.

    The middleware runs inside FastStream's acknowledgement: returning normally commits the record
    (processed, or dead-lettered); raising seeks back so the record is delivered again.
    """

    class _DeadLetterMiddleware(BaseMiddleware):
        async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
            record = msg.raw_message
            headers = msg.headers
            bind_message_context(
                topic=getattr(record, "topic", "?"),
                correlation_id=headers.get("ce_correlationid"),
                event_id=headers.get("ce_id"),
            )
            try:
                if not isinstance(record, tuple) and await dead_letters.refuse_foreign(record):
                    return None  # a batch's handler checks its records itself
                return await call_next(msg)
            except TRANSIENT_ERRORS:
                await asyncio.sleep(TRANSIENT_PAUSE_S)
                raise
            except Exception as error:  # anything else is the record's fault: set it aside
                if isinstance(record, tuple):  # a batch: its handler deals with its own records
                    raise
                await dead_letters.send_record(record, f"{type(error).__name__}: {error}", headers)
                return None

    return _DeadLetterMiddleware
