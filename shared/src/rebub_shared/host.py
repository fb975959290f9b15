"""The one app host: runs any service's ``ServiceSpec`` as a FastAPI app.

``create_app(spec)`` builds the app (authentication, the error contract, the operations router,
the service's routers, its audit router when it keeps a log); its lifespan is ``run(spec)``
(also used without an app, by a command line): it checks the store, creates the topics the
instance reads and writes (where it may), runs the start-up steps, registers the subscribers and
starts the broker, then the background loops, and stops it all in reverse, each loop boundedly. Nothing is created here that the spec's
``bootstrap`` did not wire: the host only runs it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker, KafkaMessage

from rebub_shared import correlation
from rebub_shared.audit import audit_router
from rebub_shared.auth.guard import install_auth
from rebub_shared.http import install_error_contract, ops_router
from rebub_shared.http_metrics import HttpMetrics
from rebub_shared.messaging import consumer_options, undecoded_batch
from rebub_shared.runtime import running
from rebub_shared.service import BatchSubscriber, ServiceSpec, Subscriber
from rebub_shared.topic_table import specs_for


def create_app(spec: ServiceSpec) -> FastAPI:
    """The app of one service instance (no I/O until its lifespan starts)."""
    settings = spec.runtime.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run(spec):
            yield

    app = FastAPI(title=spec.title, summary=spec.summary or None, lifespan=lifespan)
    app.state.spec, app.state.runtime, app.state.audit = spec, spec.runtime, spec.audit
    for name, value in spec.state.items():
        setattr(app.state, name, value)
    app.middleware("http")(correlation.http_middleware)
    install_auth(app, settings.auth, spec.tenant)  # refuses to start without an issuer
    install_error_contract(app, spec.errors, routes=spec.body_limits)
    app.add_middleware(HttpMetrics, registry=spec.runtime.metrics, tenant=spec.tenant)
    for error, handler in spec.error_handlers.items():
        app.add_exception_handler(error, handler)
    for router in spec.routers:
        app.include_router(router)
    if spec.audit is not None:
        app.include_router(audit_router())
    app.include_router(
        ops_router(
            ready=spec.runtime.ready,
            clock=spec.runtime.clock,
            dev_clock=settings.dev_clock_enabled,
            metrics=spec.runtime.metrics,
            open_metrics=settings.auth.open_metrics,
        )
    )
    return app


@asynccontextmanager
async def run(spec: ServiceSpec) -> AsyncIterator[ServiceSpec]:
    """The instance running: store, topics, start-up steps, subscribers and broker, background
    loops (a spec runs once: its store's client is closed at the end)."""
    subscribe(spec)

    async def on_start(_: Any) -> None:
        for step in spec.on_start:
            await step()

    async def on_stop(_: Any) -> None:
        for step in spec.on_stop:
            await step()

    topics = specs_for(spec.topology(), spec.runtime.topics)  # as the topic table has them
    async with running(spec.runtime, topics=topics, on_start=on_start), AsyncExitStack() as stack:
        stack.push_async_callback(on_stop, None)  # after the loops: a pass may still run
        for step in spec.after_start:
            await step()
        for loop in spec.background:
            loop.start()
            stack.push_async_callback(loop.stop)
        yield spec


def subscribe(spec: ServiceSpec) -> None:
    """Register the spec's subscribers on its broker (before it starts)."""
    for subscriber in spec.subscribers:
        register(spec.runtime.broker, subscriber)


def register(broker: KafkaBroker, subscriber: Subscriber | BatchSubscriber) -> None:
    """Register one subscriber on ``broker`` (the unit tests use FastStream's test broker)."""
    if isinstance(subscriber, BatchSubscriber):
        _subscribe_batch(broker, subscriber)
    else:
        _subscribe_one(broker, subscriber)


def _named(handler: Any, purpose: str) -> Any:
    """FastStream names a subscriber (in its logs) after its function: after its purpose here."""
    handler.__name__ = handler.__qualname__ = f"on_{purpose.replace('-', '_')}"
    return handler


def _subscribe_one(broker: KafkaBroker, subscriber: Subscriber) -> None:
    consumption = subscriber.consumption

    async def on_record(body: Any, msg: KafkaMessage) -> None:
        record = msg.raw_message
        if getattr(record, "value", b"") is None:  # a tombstone: key + null value, "gone"
            await subscriber.gone(getattr(record, "key", None), msg.headers)
            return
        # What the handler publishes carries the correlation id of the record it handles.
        with correlation.adopted(correlation.of_headers(msg.headers)):
            await subscriber.dispatch(msg.headers, body)

    broker.subscriber(
        *consumption.topics,
        group_id=consumption.group,
        title=f"{consumption.group}:{consumption.purpose}",
        description=consumption.description or None,
        **consumer_options(fast=subscriber.fast),
    )(_named(on_record, consumption.purpose))


def _subscribe_batch(broker: KafkaBroker, subscriber: BatchSubscriber) -> None:
    consumption = subscriber.consumption

    async def on_batch(msg: KafkaMessage) -> None:
        # No correlation id adopted here: a batch holds records of many requests; the handler
        # adopts each record's around what that record causes (rebub_shared.correlation).
        raw = msg.raw_message
        await subscriber.handle(tuple(raw) if isinstance(raw, tuple | list) else (raw,))

    broker.subscriber(
        *consumption.topics,
        group_id=consumption.group,
        batch=True,
        decoder=undecoded_batch,  # the handler decodes record by record
        max_records=subscriber.max_records,
        title=f"{consumption.group}:{consumption.purpose}",
        description=consumption.description or None,
        **consumer_options(fast=subscriber.fast),
    )(_named(on_batch, consumption.purpose))
