"""An erasure reaches the dead letters (issue 21): a tombstone for each dead letter about the
erased person on their tenant's dead-letter topics.

Dead-letter topics are ``compact,delete`` (``rebub_shared.topic_table.dead_letter_spec``): kept
30 days, and each dead letter has a key of its own (``dead_letter_key``: the consumer, and where
the record was read), so a tombstone removes that one dead letter and no other (the broker's
cleaner within a day, ``max.compaction.lag.ms``). Every service that confirms an erasure calls
``purge`` before it confirms: it reads each of its tenant's dead-letter topics whole (a month of
records a consumer could not process: few), keeps each key's last record, and publishes a
tombstone with the erasure header for those that concern the person (``concerns``). A crash
before the confirmation reads the tombstone again and purges again (nothing left to find).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker

from rebub_shared.compacted import FETCH_WAIT_MS, client_options
from rebub_shared.contracts.patrons import ERASURE_HEADER
from rebub_shared.logging import get_logger
from rebub_shared.settings import KafkaSettings
from rebub_shared.tenancy import TenantCode
from rebub_shared.topics import DEAD_LETTER_SUFFIX, Topics

log = get_logger(__name__)

#: The dead letter's original key, as a header (its record key is its own, ``dead_letter_key``).
ORIGINAL_KEY_HEADER = "dlq_key"
#: How every dead letter's own key begins (a record key without it was written before).
KEY_PREFIX = "dlq/"


def dead_letter_key(service: str, topic: str, partition: int | None, offset: int | None) -> str:
    """The key of one dead letter: the consumer (service) and where it read the record. Unique
    per dead letter (a record refused twice by the same consumer is one dead letter)."""
    return f"{KEY_PREFIX}{service}/{topic}/{partition}/{offset}"


def concerns(
    key: bytes | None,
    value: bytes | None,
    headers: Mapping[str, bytes],
    about: Collection[str],
) -> bool:
    """Whether a dead letter names one of ``about`` (ids, barcodes, emails): as its original
    key, a header's value, or a JSON string of its value (a value that is not JSON: anywhere in
    it). A name alone is not enough: others share it."""
    wanted = {a for a in about if a}
    if not wanted or value is None:
        return False
    original = headers.get(ORIGINAL_KEY_HEADER, key if key is not None else b"")
    texts = {original.decode("utf-8", "replace")}
    texts |= {v.decode("utf-8", "replace") for v in headers.values()}
    if texts & wanted:
        return True
    try:
        parsed = json.loads(value)
    except ValueError:
        return any(a.encode() in value for a in wanted)
    return any(s in wanted for s in json_strings(parsed))


def json_strings(data: Any) -> list[str]:
    """Every string of a JSON value (a document's too), nested ones included."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, Mapping):
        return [s for v in data.values() for s in json_strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in json_strings(v)]
    return []


class DeadLetterPurge:
    """Tombstones the dead letters about an erased person on one tenant's dead-letter topics."""

    what = "dead letter(s) tombstoned"

    def __init__(
        self, settings: KafkaSettings, topics: Topics, tenant: TenantCode, broker: KafkaBroker
    ) -> None:
        self._settings, self._topics, self._tenant, self._broker = settings, topics, tenant, broker

    async def dead_letter_topics(self) -> list[str]:
        """The tenant's dead-letter topics on the broker (each service's own, its tenant's)."""
        own = self._topics.prefix + f"{self._tenant}{DEAD_LETTER_SUFFIX}."
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._settings.bootstrap, **client_options(self._settings)
        )
        await admin.start()
        try:
            return sorted(n for n in await admin.list_topics() if n.startswith(own))
        finally:
            await admin.close()

    async def purge(self, about: Collection[str], request_id: str) -> int:
        """Publish a tombstone (with the erasure header naming ``request_id``) for each dead
        letter of the tenant whose last record concerns ``about``; returns how many."""
        if not any(about):
            return 0
        names = await self.dead_letter_topics()
        found = await self._concerning(names, about) if names else []
        headers = {"ce_tenant": self._tenant, ERASURE_HEADER: request_id}
        for name, key in found:
            await self._broker.publish(None, name, key=key, headers=headers)
        if found:
            log.info("dead_letters_erased", count=len(found), request_id=request_id)
        return len(found)

    async def _concerning(
        self, names: list[str], about: Collection[str]
    ) -> list[tuple[str, bytes]]:
        """The (topic, key) pairs of ``names`` whose key's last record concerns ``about`` (one
        reader for them all: each topic's one partition, from its start to the end offset seen
        first)."""
        reader = AIOKafkaConsumer(
            bootstrap_servers=self._settings.bootstrap,
            enable_auto_commit=False,
            fetch_max_wait_ms=FETCH_WAIT_MS,
            **client_options(self._settings),
        )
        await reader.start()
        try:
            tps = [TopicPartition(name, 0) for name in names]
            reader.assign(tps)
            ends = await reader.end_offsets(tps)
            for tp, first in (await reader.beginning_offsets(tps)).items():
                reader.seek(tp, first)
            last: dict[tuple[str, bytes], Any] = {}
            for tp in (tp for tp in tps if ends[tp] > 0):
                while await reader.position(tp) < ends[tp]:
                    for record in (await reader.getmany(tp, timeout_ms=1000)).get(tp, []):
                        if record.key is not None and record.offset < ends[tp]:
                            last[(tp.topic, record.key)] = record
            return [
                place
                for place, r in last.items()
                if concerns(place[1], r.value, dict(r.headers or ()), about)
            ]
        finally:
            await reader.stop()
