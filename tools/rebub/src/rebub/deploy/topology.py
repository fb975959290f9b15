"""Which topics exist, how they are kept, and which service of which tenant consumes which.

The partitions set the ceiling of a consumer's autoscaling: past one replica per partition, a
consumer group has nothing left to hand out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rebub_shared.tenancy import NETWORK, TenantCode, institution_codes
from rebub_shared.topics import Topics

DAY_MS = 24 * 60 * 60 * 1000
SERVICES: tuple[str, ...] = ("patron-sync", "circulation", "notifier")


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic as the operator creates it."""

    name: str
    partitions: int
    cleanup_policy: Literal["compact", "delete"] = "delete"
    retention_days: int | None = 7  # None: kept while compacted (latest value per key)

    def config(self) -> dict[str, str | int]:
        """The topic configuration (replication and durability come from the cluster defaults)."""
        config: dict[str, str | int] = {"cleanup.policy": self.cleanup_policy}
        if self.retention_days is not None:
            config["retention.ms"] = self.retention_days * DAY_MS
        if self.cleanup_policy == "compact":
            # Keep tombstones a day so late consumers still see a deletion.
            config["delete.retention.ms"] = DAY_MS
        return config


def services_of(tenant: TenantCode) -> tuple[str, ...]:
    """The services a tenant runs: the network zone runs patron-sync only."""
    return ("patron-sync",) if tenant == NETWORK else SERVICES


def consumed(tenant: TenantCode, service: str, topics: Topics | None = None) -> tuple[str, ...]:
    """The topics one tenant's service subscribes to (its one consumer group reads them all)."""
    t = topics or Topics()
    if tenant == NETWORK:
        return ()
    if service == "patron-sync":
        return (t.nz_patron, t.external_reader, t.loan_activity)
    if service == "circulation":
        return (t.patron(tenant),)
    if service == "notifier":
        return (t.loan(tenant), t.request(tenant), t.patron(tenant))
    raise ValueError(f"service: unknown service {service!r} (expected one of {SERVICES})")


def topic_specs(topics: Topics | None = None) -> list[TopicSpec]:
    """Every topic: the network's, each institution's own, and each consumer's dead letters."""
    t = topics or Topics()
    specs = [
        TopicSpec(t.nz_patron, 6, "compact", None),
        TopicSpec(t.external_reader, 3, "compact", None),
        TopicSpec(t.loan_activity, 6, retention_days=30),
    ]
    for inst in institution_codes():
        specs += [
            TopicSpec(t.patron(inst), 3),
            TopicSpec(t.loan(inst), 6),
            TopicSpec(t.request(inst), 3),
            TopicSpec(t.letter(inst), 3),
        ]
    for inst in institution_codes():
        dead = {
            t.dead_letter(topic, inst)
            for service in SERVICES
            for topic in consumed(inst, service, t)
        }
        specs += [TopicSpec(name, 1, retention_days=30) for name in sorted(dead)]
    return specs


def partitions(name: str, topics: Topics | None = None) -> int:
    """The partitions of a topic of the catalogue."""
    return next(s.partitions for s in topic_specs(topics) if s.name == name)
