"""The one definition of who may do what on the broker and in the store, per tenant.

Built from ``rebub_shared.topics.Topics`` and ``rebub_shared.tenancy``: the Strimzi KafkaUser and
KafkaTopic manifests and the MongoDB users are generated from it (``rebub.deploy.manifests``), and
the local broker can create the same SCRAM users and ACLs from ``acl_tuples``.

An institution's user reaches its own ``{inst}.*`` topics (its dead letters included, since the
consumer's tenant owns them) and consumer groups, and only the network topics its services use.
The dot after the code matters: ``ub.`` does not match ``ubm.*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rebub_shared.tenancy import (
    NETWORK,
    InstitutionCode,
    TenantCode,
    institution_codes,
    tenant_codes,
)
from rebub_shared.topics import Topics

ResourceType = Literal["topic", "group", "cluster"]
PatternType = Literal["literal", "prefix"]
Operation = Literal["Read", "Write", "Describe"]
Permission = Literal["allow"]
AclTuple = tuple[str, ResourceType, PatternType, str, Operation, Permission]

READ: tuple[Operation, ...] = ("Read", "Describe")
READ_WRITE: tuple[Operation, ...] = ("Read", "Write", "Describe")


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
    """The rules of one tenant's Kafka user."""
    t = topics or Topics()
    own = (
        Acl("topic", "prefix", f"{t.prefix}{tenant}.", READ_WRITE),
        Acl("group", "prefix", f"{t.prefix}{tenant}.", READ),
    )
    if tenant == NETWORK:
        # The network zone publishes the NZ accounts and reads them back (feed reconciliation).
        return (*own, Acl("topic", "prefix", f"{t.prefix}nz.", READ_WRITE))
    return (
        *own,
        Acl("topic", "literal", t.nz_patron, READ),
        # Each institution writes its own external readers and summaries and reads everyone's.
        Acl("topic", "literal", t.external_reader, READ_WRITE),
        Acl("topic", "literal", t.loan_activity, READ_WRITE),
    )


def acl_tuples(topics: Topics | None = None) -> list[AclTuple]:
    """Every rule as ``(principal, resource type, pattern type, name, operation, permission)``."""
    return [
        (f"User:{kafka_username(tenant)}", a.resource_type, a.pattern_type, a.name, op, "allow")
        for tenant in tenant_codes()
        for a in acls(tenant, topics)
        for op in a.operations
    ]


def databases(tenant: TenantCode) -> tuple[str, ...]:
    """The only databases a tenant's MongoDB user may use (``rebub_shared.mongo.database_name``)."""
    services = ("patron_sync",) if tenant == NETWORK else ("circulation", "patron_sync", "notifier")
    return tuple(f"{tenant}_{service}" for service in services)


def institution_of(name: str) -> InstitutionCode | None:
    """The institution whose own topic or group ``name`` is, if any (``ubm.patron.v1`` -> ubm)."""
    head = name.split(".", 1)[0]
    return next((code for code in institution_codes() if code == head), None)
