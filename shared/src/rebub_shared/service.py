"""A service instance declared once: which consumer groups it runs (each with its topics, its
events and its purpose) and which topics it publishes to.

``ServiceTopology`` is the static, I/O-free part of a service's declaration. Everything about
topics outside the running code is generated from it: the topics created at start-up, the deploy
topology, the autoscaler's lag triggers, the Kafka ACLs and the AsyncAPI catalog. A service's
``bootstrap`` builds its full specification (handlers, routers, periodic steps) around it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rebub_shared.cloudevents import EventPayload
from rebub_shared.tenancy import TenantCode


@dataclass(frozen=True, slots=True)
class Consumption:
    """One consumer group of a service instance: ``group`` reads ``topics`` for ``purpose``."""

    purpose: str
    group: str
    topics: tuple[str, ...]
    events: tuple[type[EventPayload], ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Publication:
    """A topic a service instance publishes ``events`` to."""

    topic: str
    events: tuple[type[EventPayload], ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class ServiceTopology:
    """What one service of one tenant reads and writes on the broker."""

    service: str
    tenant: TenantCode
    consumes: tuple[Consumption, ...] = ()
    publishes: tuple[Publication, ...] = ()

    @property
    def groups(self) -> tuple[str, ...]:
        """The consumer groups the instance joins."""
        return tuple(c.group for c in self.consumes)

    @property
    def topics_read(self) -> tuple[str, ...]:
        """Every topic the instance subscribes to (each once, in declaration order)."""
        return tuple(dict.fromkeys(t for c in self.consumes for t in c.topics))

    @property
    def topics_written(self) -> tuple[str, ...]:
        """Every topic the instance publishes to (dead letters excepted: they follow the reads)."""
        return tuple(dict.fromkeys(p.topic for p in self.publishes))
