"""The composition root: ``bootstrap`` wires a notifier's bus (the real adapters by default,
fakes where a unit test passes its own); ``notifier_spec`` declares one institution's notifier service for
the app host (store, letters' outbox relay, consumer, scheduler, routes), without I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import Address
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from rebub_shared.clock import Clock
from rebub_shared.contracts.letters import LetterSent
from rebub_shared.dead_letter_purge import DeadLetterPurge
from rebub_shared.erasure_reports import ErasureReports, erasure_publication
from rebub_shared.lease import LEASES, Lease
from rebub_shared.parking import ParkedPurge
from rebub_shared.retention_job import retention_job
from rebub_shared.runtime import build_runtime
from rebub_shared.service import Publication, ServiceSpec
from rebub_shared.topics import Topics

from .adapters.mongo_store import MongoStore
from .adapters.pdf_printer import PdfPrinter
from .adapters.rendering import LetterRenderer
from .adapters.smtp_mailer import SmtpMailer
from .entrypoints import kafka, routes
from .entrypoints.scheduler import Scheduler
from .service_layer import (
    Context,
    Mailer,
    NotifierBus,
    NotifierStore,
    Printer,
    RecoverInFlight,
    RunRetention,
)
from .service_layer.context import (
    AfterSent,
    LetterOutcome,
    nothing_to_announce,
    nothing_to_count,
)
from .settings import NotifierSettings

SERVICE = kafka.SERVICE


def bootstrap(
    settings: NotifierSettings,
    *,
    clock: Clock,
    store: NotifierStore,
    mailer: Mailer | None = None,
    printer: Printer | None = None,
    after_sent: AfterSent | None = None,
    letter_outcome: LetterOutcome | None = None,
) -> NotifierBus:
    """The notifier of `settings.tenant` over `store`: SMTP mailer and PDF printer unless given."""
    institution = settings.institution()
    renderer = LetterRenderer(institution, settings.templates_dir)
    sender = Address(display_name=settings.sender_name, addr_spec=settings.sender_email)
    ctx = Context(
        settings=institution,
        mailer=mailer or SmtpMailer(settings.smtp, renderer, sender, settings.message_id_domain),
        printer=printer or PdfPrinter(settings.letters_dir, renderer),
        clock=clock,
        letter_topic=Topics(settings.kafka.topic_prefix).letter(settings.institution_code),
        message_id_domain=settings.message_id_domain,
        after_sent=after_sent or nothing_to_announce,
        letter_outcome=letter_outcome or nothing_to_count,
    )
    return NotifierBus(store, ctx)


def letters_counter(registry: CollectorRegistry) -> Counter:
    """The metric of letters per tenant and outcome (sent, failed and tried again, uncertain)."""
    return Counter(
        "rebub_letters",
        "Letters settled: sent (email or printed), failed (not delivered, tried again), "
        "uncertain (may have left: check the mailbox, never resent)",
        ["tenant", "outcome"],
        registry=registry,
    )


def notifier_spec(settings: NotifierSettings, clock: Clock | None = None) -> ServiceSpec:
    """One institution's notifier, declared (no I/O: the store and broker open in the app)."""
    runtime = build_runtime(settings, SERVICE, clock)
    inst, topics = settings.institution_code, runtime.topics
    store = MongoStore(runtime.db, inst)
    relay = runtime.outbox_relay("letters")

    async def relay_letter(letter_id: str, written: Mapping[str, Any] | None = None) -> None:
        await relay.relay_soon(letter_id, written)

    letters = letters_counter(runtime.metrics)
    bus = bootstrap(
        settings,
        clock=runtime.clock,
        store=store,
        after_sent=relay_letter,
        letter_outcome=lambda outcome: letters.labels(tenant=inst, outcome=outcome).inc(),
    )
    # One replica runs the passes (the lease); every replica consumes (KEDA scales them).
    lease = Lease(runtime.db[LEASES], "daily-pass", bus.ctx.owner, settings.lease_ttl_s)
    scheduler = Scheduler(
        bus,
        settings.scheduler_interval_s,
        enabled=settings.scheduler_enabled,
        lease=lease if settings.scheduler_enabled else None,
    )

    async def retention(now: datetime) -> int:  # daily, in the replica holding its lease
        return sum((await bus.handle(RunRetention(now, settings.retention))).values())

    retaining = retention_job(
        runtime, (("notifier", retention),), settings.retention, bus.ctx.owner
    )

    async def recover() -> None:  # before any pass: settle what a crash left
        await bus.handle(RecoverInFlight())

    consumption, fast = kafka.institution_events(topics, inst), settings.fast_consumers
    purges = (
        DeadLetterPurge(settings.kafka, topics, inst, runtime.broker),
        ParkedPurge(runtime.db),
    )
    reports = ErasureReports(runtime.broker, topics, inst, SERVICE, runtime.clock, purges)
    states = kafka.loan_state(topics, inst)
    return ServiceSpec(
        runtime=runtime,
        title=f"rebub notifier ({inst})",
        subscribers=(
            kafka.subscriber(consumption, bus, fast=fast, reports=reports),
            *(
                (kafka.loan_state_subscriber(states, bus, fast=fast),)
                if settings.consume_loan_state
                else ()
            ),
        ),
        publishes=(
            Publication(topics.letter(inst), (LetterSent,), "Letters sent or printed."),
            erasure_publication(topics),
        ),
        routers=(routes.router(dev=settings.dev_clock_enabled),),
        background=(relay, scheduler, *retaining),
        on_start=(store.prepare, relay.ensure_index),
        # With the scheduler, the lease's taker recovers; without (tests, on-demand passes),
        # the one process does at start.
        after_start=() if settings.scheduler_enabled else (recover,),
        errors=routes.STATUSES,
        state={"bus": bus, "scheduler": scheduler},
    )
