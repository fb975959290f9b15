"""``rebub rebuild <tenant> <service>``: a service's lost database comes back from the topics.

The compacted topics hold the current state: ``{inst}.patron.v1`` the patrons,
``{inst}.circulation.loan-state.v1`` the open loans. With the service stopped and its database
dropped (or a new, empty one), this command sets each of the service's declared consumer groups
back to the start of every compacted topic it reads, and leaves its offsets on the event streams
(loans, requests, network activity) where they are, so nothing already acted upon is acted upon
again (no hold letter sent twice). At start the service reads the compacted topics again
through its idempotent consumers and writes back what its store lacks (docs/operations.md,
"Rebuild a service's database").

Kafka accepts an offset commit from outside a group only while no member is in it: the service
must be stopped; the command checks every group first and changes nothing while one has members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from rebub_shared.service import ServiceTopology
from rebub_shared.tenancy import TenantCode
from rebub_shared.topic_table import topic_spec
from rebub_shared.topics import Topics


class UnknownServiceError(LookupError):
    """A (tenant, service) pair the network does not run."""


class ServiceRunningError(RuntimeError):
    """A consumer group of the service still has members: stop the service first."""


@dataclass(frozen=True)
class GroupReset:
    """One consumer group set back to the start of the compacted topics it reads."""

    group: str
    topics: tuple[str, ...]
    offsets: dict[str, int]  # "topic/partition" -> the first offset the group will read

    def as_json(self) -> dict[str, Any]:
        return {"group": self.group, "topics": list(self.topics), "offsets": self.offsets}


def service_topology(tenant: TenantCode, service: str, topics: Topics) -> ServiceTopology:
    """The declared topology of ``service`` of ``tenant`` (its bootstrap's own declaration)."""
    from rebub.deploy.services import service_topologies

    for topology in service_topologies(topics):
        if topology.tenant == tenant and topology.service == service:
            return topology
    raise UnknownServiceError(f"service: {tenant} runs no {service!r}")


def compacted_reads(topology: ServiceTopology, topics: Topics) -> list[tuple[str, tuple[str, ...]]]:
    """Each consumer group with the compacted topics it reads (groups reading none left out)."""
    found = []
    for consumption in topology.consumes:
        compacted = tuple(t for t in consumption.topics if topic_spec(t, topics).compacted)
        if compacted:
            found.append((consumption.group, compacted))
    return found


async def _partitions(
    bootstrap: str, names: tuple[str, ...], **client: Any
) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client)
    await admin.start()
    try:
        described = await admin.describe_topics(list(names))
    finally:
        await admin.close()
    missing = [d["topic"] for d in described if d["error_code"] != 0]
    if missing:
        raise LookupError(f"topics: {', '.join(missing)} not found on the broker")
    return sorted(
        TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]
    )


async def _check_stopped(bootstrap: str, groups: list[str], **client: Any) -> None:
    """Refuse before any change while a group has members (the service still runs)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client)
    await admin.start()
    try:
        for group in groups:  # one at a time: aiokafka misreads a response of several groups
            for response in await admin.describe_consumer_groups([group]):
                if any(g["members"] for g in response.to_object()["groups"]):
                    raise ServiceRunningError(
                        f"group: {group} has members; stop the service, then run it again"
                    )
    finally:
        await admin.close()


async def reset_to_state(
    bootstrap: str, topology: ServiceTopology, topics: Topics, **client: Any
) -> list[GroupReset]:
    """Commit, for each group, the first offset of every partition of its compacted topics
    (``ServiceRunningError`` and no change while the service runs)."""
    reads = compacted_reads(topology, topics)
    await _check_stopped(bootstrap, [group for group, _ in reads], **client)
    done = []
    for group, names in reads:
        partitions = await _partitions(bootstrap, names, **client)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, **client
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            first = await consumer.beginning_offsets(partitions)
            await consumer.commit({tp: OffsetAndMetadata(first[tp], "") for tp in partitions})
        finally:
            await consumer.stop()
        offsets = {f"{tp.topic}/{tp.partition}": first[tp] for tp in partitions}
        done.append(GroupReset(group, names, offsets))
    return done
