"""The one definition of who may do what on the broker and in the store, per tenant.

The Kafka rules follow from what the tenant's services declare (``rebub.deploy.services``) and
nothing else: read on each topic its consumers read, write on each topic it publishes and on its
consumers' dead letters (read too where its services confirm erasures: they tombstone the
person's dead letters), read on each consumer group it runs; every rule names one resource
exactly (no prefix, so ``ub`` reaches nothing of ``ubm``, and no topic a service does not use).
The Strimzi KafkaUser manifests and the MongoDB users are generated from it
(``rebub.deploy.manifests``), and the local secured broker applies the same ``acl_tuples``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rebub.deploy.topology import of_tenant
from rebub_shared.tenancy import (
    NETWORK,
    InstitutionCode,
    TenantCode,
    institution_codes,
    tenant_codes,
)
from rebub_shared.topic_table import dead_letter_topics
from rebub_shared.topics import Topics

ResourceType = Literal["topic", "group", "cluster"]
PatternType = Literal["literal", "prefix"]
Operation = Literal["Read", "Write", "Describe"]
Permission = Literal["allow"]
AclTuple = tuple[str, ResourceType, PatternType, str, Operation, Permission]

# Read and Write each imply Describe (and Write on a topic lets a producer be idempotent), so
# no other operation is granted.
OPERATIONS: tuple[Operation, ...] = ("Read", "Write")


@dataclass(frozen=True, slots=True)
class Acl:
    """One allow rule: ``operations`` on the resources named ``name`` (exactly or as a prefix)."""

    resource_type: ResourceType
    pattern_type: PatternType
    name: str
    operations: tuple[Operation, ...]


def kafka_username(tenant: TenantCode) -> str:
    """The SCRAM user of a tenant's services: the tenant code itself (``ub``, ``network``)."""
    return tenant


def acls(tenant: TenantCode, topics: Topics | None = None) -> tuple[Acl, ...]:
    """The rules of one tenant's Kafka user: one per resource, with every operation it needs."""
    t = topics or Topics()
    needed: dict[tuple[ResourceType, str], set[Operation]] = {}
    instances = of_tenant(tenant, t)
    # A tenant whose services confirm erasures reads its own dead letters back: each of them
    # tombstones the erased person's first (``rebub_shared.dead_letter_purge``).
    erases = any(t.erasure in i.topics_written for i in instances)
    for instance in instances:
        for name in instance.topics_read:
            needed.setdefault(("topic", name), set()).add("Read")
        for name in instance.topics_written:
            needed.setdefault(("topic", name), set()).add("Write")
        for name in dead_letter_topics(instance, t):
            needed.setdefault(("topic", name), set()).update(
                ("Read", "Write") if erases else ("Write",)
            )
        for group in instance.groups:
            needed.setdefault(("group", group), set()).add("Read")
    return tuple(
        Acl(kind, "literal", name, tuple(op for op in OPERATIONS if op in operations))
        for (kind, name), operations in needed.items()
    )


#: The network team's read-only user: its web desk (the network page) reads every topic's end
#: offsets and every group's committed offsets, across all institutions.
OBSERVER = "network-observer"


def observer_acls() -> tuple[Acl, ...]:
    """The network observer's rules: Describe on every topic and every group (``*``, Kafka's
    wildcard), enough to list them, read end offsets and committed offsets (lag); no Read, so no
    record's payload (a patron's data) is ever fetched, and no Write."""
    return (
        Acl("topic", "literal", "*", ("Describe",)),
        Acl("group", "literal", "*", ("Describe",)),
    )


def acl_tuples(topics: Topics | None = None) -> list[AclTuple]:
    """Every rule as ``(principal, resource type, pattern type, name, operation, permission)``:
    each tenant's, then the network observer's."""
    rules = [(kafka_username(tenant), a) for tenant in tenant_codes() for a in acls(tenant, topics)]
    rules += [(OBSERVER, a) for a in observer_acls()]
    return [
        (f"User:{user}", a.resource_type, a.pattern_type, a.name, op, "allow")
        for user, a in rules
        for op in a.operations
    ]


def databases(tenant: TenantCode) -> tuple[str, ...]:
    """The only databases a tenant's MongoDB user may use (``rebub_shared.mongo.database_name``)."""
    institution = ("circulation", "patron_sync", "notifier", "desk")  # desk: its sessions
    # The network zone's patron-sync, and the network team's desk (its sessions).
    services = ("patron_sync", "desk") if tenant == NETWORK else institution
    return tuple(f"{tenant}_{service}" for service in services)


def institution_of(name: str) -> InstitutionCode | None:
    """The institution whose own topic or group ``name`` is, if any (``ubm.patron.v1`` -> ubm)."""
    head = name.split(".", 1)[0]
    return next((code for code in institution_codes() if code == head), None)


def subscriber_group_prefix(institution: InstitutionCode, name: str) -> str:
    """The consumer groups a subscribing service may use: ``{inst}.subscriber.{name}.*``."""
    return f"{institution}.subscriber.{name}."


def subscriber_acls(
    institution: InstitutionCode, name: str, topics: Topics | None = None
) -> tuple[Acl, ...]:
    """A subscribing service's read-only rules: Read on the institution's loan events and on its
    compacted loan state (each topic exactly: a new subscriber starts from the state, then follows
    the events) and on its own consumer groups (by prefix); no Write anywhere."""
    t = topics or Topics()
    return (
        Acl("topic", "literal", t.loan(institution), ("Read",)),
        Acl("topic", "literal", t.loan_state(institution), ("Read",)),
        Acl("group", "prefix", t.prefix + subscriber_group_prefix(institution, name), ("Read",)),
    )
