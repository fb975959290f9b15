"""Which topics the operator creates: the topic table's, and the dead letters of every consumer
(one per tenant and topic it reads), as the services declare them (``rebub.deploy.services``).

The partitions set the ceiling of a consumer's autoscaling: past one replica per partition, a
consumer group has nothing left to hand out.
"""

from __future__ import annotations

from rebub.deploy.services import service_topologies
from rebub_shared.service import ServiceTopology
from rebub_shared.tenancy import TenantCode
from rebub_shared.topic_table import TopicSpec, dead_letter_topics, topic_spec, topic_table
from rebub_shared.topics import Topics


def of_tenant(tenant: TenantCode, topics: Topics | None = None) -> list[ServiceTopology]:
    """The service instances a tenant runs, as they declare themselves."""
    return [s for s in service_topologies(topics or Topics()) if s.tenant == tenant]


def topic_specs(topics: Topics | None = None) -> list[TopicSpec]:
    """Every topic: the table's (each checked against the declarations), then the dead letters.

    Raises ``UnknownTopicError`` when a service reads or writes a topic the table does not hold.
    """
    t = topics or Topics()
    instances = service_topologies(t)
    for instance in instances:
        for name in (*instance.topics_read, *instance.topics_written):
            topic_spec(name, t)
    dead = dict.fromkeys(d for s in instances for d in dead_letter_topics(s, t))
    return [*topic_table(t), *(topic_spec(name, t) for name in dead)]


def partitions(name: str, topics: Topics | None = None) -> int:
    """The partitions of a topic (of the table, or a dead-letter topic)."""
    return topic_spec(name, topics).partitions
