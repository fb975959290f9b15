"""The network team's view of topic flows: per topic, messages in, rate, end offsets, each consumer
group's lag, and dead-letter counts. Read from the broker alone (metadata, offsets, group offsets).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    GroupCoordinatorNotAvailableError,
    GroupLoadInProgressError,
    NotCoordinatorForGroupError,
)
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from rebub_shared.tenancy import institution_codes
from rebub_shared.topics import DEAD_LETTER_SUFFIX

T = TypeVar("T")


@dataclass(frozen=True)
class GroupLag:
    group: str
    committed: int
    lag: int


@dataclass
class TopicFlow:
    topic: str
    zone: str  # "nz", "net", or an institution code
    partitions: int
    end_offset: int  # messages written since the topic began (compaction never lowers it)
    retained: int  # messages still held (end minus beginning)
    rate_per_s: float = 0.0
    dead_letter: bool = False
    groups: list[GroupLag] = field(default_factory=list)

    @property
    def max_lag(self) -> int:
        return max((g.lag for g in self.groups), default=0)


@dataclass
class FlowSnapshot:
    taken_at: float
    topics: list[TopicFlow]

    def as_json(self) -> dict[str, Any]:
        return {
            "taken_at": self.taken_at,
            "topics": [asdict(t) | {"max_lag": t.max_lag} for t in self.topics],
            "dead_letters": sum(t.retained for t in self.topics if t.dead_letter),
            "total_lag": sum(t.max_lag for t in self.topics),
        }


def zone_of(topic: str, prefix: str = "") -> str | None:
    """Which zone a rebub topic belongs to (None: not one of the network's topics)."""
    head = topic.removeprefix(prefix).split(".", 1)[0]
    if head in ("nz", "net", "network", *institution_codes()):
        return head
    return None


async def sample_flows(bootstrap: str, *, prefix: str = "", **client: Any) -> FlowSnapshot:
    """One reading of every rebub topic's offsets and every consumer group's position.

    ``client`` carries connection options (SASL credentials on a secured broker)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **client)
    await admin.start()
    await reader.start()
    try:
        names = [
            t for t in await admin.list_topics() if t.startswith(prefix) and zone_of(t, prefix)
        ]
        described = await admin.describe_topics(names) if names else []
        partitions = [
            TopicPartition(d["topic"], p["partition"])
            for d in described
            for p in sorted(d["partitions"], key=lambda p: p["partition"])
        ]
        ends = await reader.end_offsets(partitions) if partitions else {}
        begins = await reader.beginning_offsets(partitions) if partitions else {}
        flows = {
            t: TopicFlow(
                topic=t,
                zone=zone_of(t, prefix) or "?",
                partitions=sum(1 for tp in partitions if tp.topic == t),
                end_offset=sum(ends[tp] for tp in partitions if tp.topic == t),
                retained=sum(ends[tp] - begins[tp] for tp in partitions if tp.topic == t),
                dead_letter=DEAD_LETTER_SUFFIX + "." in t,
            )
            for t in names
        }
        for group_id, _protocol in await _while_loading(admin.list_consumer_groups):
            if not group_id.startswith(prefix):
                continue
            committed = await _while_loading(admin.list_consumer_group_offsets, group_id)
            per_topic: dict[str, tuple[int, int]] = {}
            for tp, meta in committed.items():
                if tp.topic in flows and tp in ends and meta.offset >= 0:
                    done, lag = per_topic.get(tp.topic, (0, 0))
                    per_topic[tp.topic] = (done + meta.offset, lag + max(ends[tp] - meta.offset, 0))
            for topic, (done, lag) in per_topic.items():
                flows[topic].groups.append(GroupLag(group_id, done, lag))
        return FlowSnapshot(time.time(), sorted(flows.values(), key=lambda f: (f.zone, f.topic)))
    finally:
        await reader.stop()
        await admin.close()


#: A broker just started loads its consumer offsets before it answers questions about groups.
COORDINATOR_LOADING = (
    GroupLoadInProgressError,
    GroupCoordinatorNotAvailableError,
    NotCoordinatorForGroupError,
)


async def _while_loading(call: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``call``, again while the group coordinator is loading (up to 30 s)."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(COORDINATOR_LOADING),
        wait=wait_exponential(multiplier=0.2, max=2),
        stop=stop_after_delay(30),
        reraise=True,
    ):
        with attempt:
            return await call(*args)
    raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover


async def sample_with_rates(
    bootstrap: str,
    *,
    prefix: str = "",
    interval_s: float = 1.0,
    previous: FlowSnapshot | None = None,
    **client: Any,
) -> FlowSnapshot:
    """A reading with rates: against ``previous``, or against a first reading ``interval_s`` before."""
    if previous is None:
        previous = await sample_flows(bootstrap, prefix=prefix, **client)
        await asyncio.sleep(interval_s)
    current = await sample_flows(bootstrap, prefix=prefix, **client)
    elapsed = max(current.taken_at - previous.taken_at, 1e-6)
    before = {t.topic: t.end_offset for t in previous.topics}
    for flow in current.topics:
        flow.rate_per_s = (flow.end_offset - before.get(flow.topic, flow.end_offset)) / elapsed
    return current
