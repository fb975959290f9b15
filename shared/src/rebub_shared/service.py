"""A service instance declared once: which consumer groups it runs (each with its topics, its
events and its purpose) and which topics it publishes to.

``ServiceTopology`` is the static, I/O-free part of a service's declaration. Everything about
topics outside the running code is generated from it: the topics created at start-up, the deploy
topology, the autoscaler's lag triggers, the Kafka ACLs and the AsyncAPI catalog.

``ServiceSpec`` is the full declaration a service's ``bootstrap`` returns around it: its typed
subscribers (each bound to one ``Consumption``), its publications, routers, background loops and
start-up and stop steps; ``ServiceSpec.topology()`` gives the ``ServiceTopology`` back, and
:mod:`rebub_shared.host` runs any spec as an app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from rebub_shared.cloudevents import Event, EventPayload, EventRegistry
from rebub_shared.tenancy import TenantCode

if TYPE_CHECKING:
    from fastapi import APIRouter, Request
    from fastapi.responses import Response

    from rebub_shared.audit import AuditLog
    from rebub_shared.http import BodyLimit
    from rebub_shared.runtime import Runtime

    ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


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


# --- The full specification: what the app host runs -------------------------------------------

P = TypeVar("P", bound=EventPayload)


@dataclass(frozen=True, slots=True)
class On(Generic[P]):
    """Events of type ``event`` (its subclasses too) go to ``handler``, typed."""

    event: type[P]
    handler: Callable[[Event[P]], Awaitable[None]]


@dataclass(frozen=True)
class Subscriber:
    """A consumer group of ``consumption``: each record is decoded through the CloudEvents
    registry of the consumption's events, then handed to the handler of its type (a declared
    event without a handler is read and skipped: the consumer has nothing to do with it)."""

    consumption: Consumption
    handlers: tuple[On[Any], ...]
    fast: bool = False
    #: A tombstone (key, null value: "gone") with its headers; without it, a tombstone is read
    #: and skipped (every consumer accepts one: issue 21).
    on_gone: Callable[[str, Mapping[str, str | bytes]], Awaitable[None]] | None = None
    registry: EventRegistry = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        declared = self.consumption.events
        for on in self.handlers:
            if not any(issubclass(e, on.event) for e in declared):
                raise ValueError(
                    f"{self.consumption.group}: a handler of {on.event.__name__}, "
                    "an event the consumption does not declare"
                )
        object.__setattr__(self, "registry", EventRegistry(*declared))

    async def gone(self, key: bytes | None, headers: Mapping[str, str | bytes]) -> None:
        """A tombstone: the record of ``key`` is gone (an erasure says so in its headers)."""
        if self.on_gone is not None and key is not None:
            await self.on_gone(key.decode(), headers)

    async def dispatch(self, headers: Mapping[str, str | bytes], body: Any) -> None:
        """Decode one record (``InvalidEventError`` for a bad one) and run its handler."""
        event = self.registry.decode(headers, body)
        for on in self.handlers:
            if isinstance(event.data, on.event):
                await on.handler(event)
                return


@dataclass(frozen=True)
class BatchSubscriber:
    """A consumer group that takes up to ``max_records`` records at once and decodes them
    itself (``handle`` receives the raw records: it dead-letters the bad ones and goes on)."""

    consumption: Consumption
    handle: Callable[[tuple[Any, ...]], Awaitable[None]]
    max_records: int
    fast: bool = False


class Background(Protocol):
    """A loop running beside the consumers (``Periodic``, an outbox relay): started once the
    broker runs, stopped (boundedly) before it stops."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


Step = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec:
    """One service instance declared once, built without I/O by its ``bootstrap``; the app
    host (:mod:`rebub_shared.host`) runs it.

    The lifespan opens the store, creates the topics it reads and writes (where it may), runs
    ``on_start`` (indexes, the items file...), starts the broker, runs ``after_start``, starts
    ``background``; it stops in the reverse order, ``on_stop`` first.
    """

    runtime: Runtime
    title: str
    summary: str = ""
    subscribers: tuple[Subscriber | BatchSubscriber, ...] = ()
    publishes: tuple[Publication, ...] = ()
    routers: tuple[APIRouter, ...] = ()
    background: tuple[Background, ...] = ()
    on_start: tuple[Step, ...] = ()
    after_start: tuple[Step, ...] = ()
    on_stop: tuple[Step, ...] = ()
    #: Named errors and their HTTP statuses, extra problem handlers, per-route body limits.
    errors: Mapping[type[Exception], int] = field(default_factory=dict)
    error_handlers: Mapping[type[Exception], ErrorHandler] = field(default_factory=dict)
    body_limits: Mapping[str, BodyLimit] = field(default_factory=dict)
    #: The audit log, when the service keeps one (its router is then served).
    audit: AuditLog | None = None
    #: What the routes find on ``request.app.state`` (the bus, the service...).
    state: Mapping[str, object] = field(default_factory=dict)

    @property
    def service(self) -> str:
        return self.runtime.service

    @property
    def tenant(self) -> TenantCode:
        return self.runtime.settings.tenant

    def topology(self) -> ServiceTopology:
        """What the instance reads and writes on the broker."""
        return ServiceTopology(
            service=self.service,
            tenant=self.tenant,
            consumes=tuple(s.consumption for s in self.subscribers),
            publishes=self.publishes,
        )
