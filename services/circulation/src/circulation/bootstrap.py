"""The composition root: ``bootstrap`` wires the message bus (unit tests pass in-memory fakes);
``circulation_spec`` declares one institution's circulation service for the app host (MongoDB
unit of work, outbox relays, consumers, routers, jobs), without I/O."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from pymongo.asynchronous.database import AsyncDatabase

from rebub_shared.audit import AuditLog, AuditPurge
from rebub_shared.clock import Clock
from rebub_shared.contracts.items import ITEM_EVENTS
from rebub_shared.contracts.loans import LOAN_EVENTS, LoanActivitySummary, LoanState
from rebub_shared.contracts.requests import REQUEST_EVENTS
from rebub_shared.dead_letter_purge import DeadLetterPurge
from rebub_shared.erasure_reports import ErasureReports, erasure_publication
from rebub_shared.lease import LEASES, Lease, LeasedLoop
from rebub_shared.logging import get_logger
from rebub_shared.mongo import Document
from rebub_shared.parking import ParkedPurge
from rebub_shared.periodic import Periodic
from rebub_shared.retention_job import RetentionStep, purge_step, retention_job
from rebub_shared.runtime import build_runtime
from rebub_shared.service import Publication, ServiceSpec, Step, Subscriber
from rebub_shared.tenancy import institution
from rebub_shared.topics import Topics

from .adapters.item_files import read_item_file
from .adapters.mongo_catalogue import MongoItemRepository
from .adapters.mongo_uow import ITEMS, LOANS, REQUESTS, MongoUnitOfWork, ensure_indexes
from .adapters.mongo_webhooks import MongoWebhookStore
from .adapters.policy_files import PolicyWatcher
from .adapters.webhook_listener import HttpListener
from .domain import InstitutionPolicy, load_institution_policy
from .domain.vocabulary import InstitutionCode
from .entrypoints import kafka, problems
from .entrypoints.account_routes import router as account_router
from .entrypoints.desk_routes import router as desk_router
from .entrypoints.item_routes import router as item_router
from .entrypoints.jobs import JOBS_LEASE, dev_router, job_loop
from .entrypoints.loan_routes import router as loan_router
from .entrypoints.request_routes import router as request_router
from .entrypoints.webhook_routes import router as webhook_router
from .service_layer.commands import LoadItems
from .service_layer.context import Context, CurrentPolicy
from .service_layer.handlers import HANDLERS
from .service_layer.messagebus import MessageBus, Relay
from .service_layer.ports import UnitOfWork
from .service_layer.webhooks import Deliverer, Webhooks
from .settings import CirculationSettings

SERVICE = kafka.SERVICE
log = get_logger(__name__)


def new_loan_id() -> str:
    """A fresh loan id (random: loan ids carry no meaning)."""
    return uuid.uuid4().hex


def bootstrap(
    *,
    institution: InstitutionCode,
    policy: InstitutionPolicy | CurrentPolicy,
    clock: Clock,
    uow_factory: Callable[[], UnitOfWork],
    relay: Relay | None = None,
    loan_ids: Callable[[], str] = new_loan_id,
    request_relay: Relay | None = None,
    item_relay: Relay | None = None,
) -> MessageBus:
    """The bus of one institution's circulation (``loan_ids`` also names new requests)."""
    policies = policy if isinstance(policy, CurrentPolicy) else CurrentPolicy(policy)
    ctx = Context(institution=institution, policies=policies, clock=clock, new_loan_id=loan_ids)
    return MessageBus(ctx, uow_factory, HANDLERS, relay, request_relay, item_relay)


def circulation_spec(settings: CirculationSettings, clock: Clock | None = None) -> ServiceSpec:
    """One institution's circulation, declared (no I/O: the store and broker open in the app)."""
    inst = institution(settings.tenant, "tenant").code
    runtime = build_runtime(settings, SERVICE, clock)
    loans, requests, items = (
        runtime.outbox_relay(name, interval_s=settings.relay_interval_s)
        for name in (LOANS, REQUESTS, ITEMS)
    )
    policy = CurrentPolicy(load_institution_policy(inst, settings.policies_dir))
    bus = bootstrap(
        institution=inst,
        policy=policy,
        clock=runtime.clock,
        uow_factory=lambda: MongoUnitOfWork(runtime.db, runtime.topics),
        relay=loans if settings.relay_enabled else None,
        request_relay=requests if settings.relay_enabled else None,
        item_relay=items if settings.relay_enabled else None,
    )
    audit = AuditLog(runtime)
    purges = (
        DeadLetterPurge(settings.kafka, runtime.topics, inst, runtime.broker),
        ParkedPurge(runtime.db),
        AuditPurge(runtime.db),
    )
    reports = ErasureReports(runtime.broker, runtime.topics, inst, SERVICE, runtime.clock, purges)
    webhook_store = MongoWebhookStore(runtime.db)
    webhooks, deliverer, listener = webhook_parts(
        settings, webhook_store, runtime.db, runtime.topics, bus, runtime.clock
    )
    return ServiceSpec(
        runtime=runtime,
        title=f"rebub circulation ({inst})",
        summary="Circulation desk API: loans, renewals, due dates, returns, requests, blocks, "
        "the patron account, network activity, rule explanations.",
        subscribers=subscribers(
            settings, runtime.topics, bus, webhooks, reports, ours=loans.published
        ),
        publishes=publications(runtime.topics, inst),
        routers=(
            desk_router,
            request_router,
            loan_router,
            account_router,
            webhook_router,
            item_router,
        )
        + ((dev_router,) if settings.dev_clock_enabled else ()),  # never in production
        background=(
            *((loans, requests, items) if settings.relay_enabled else ()),
            *jobs(settings, bus, runtime.db),
            *policy_reload(settings, policy),
            *((deliverer,) if settings.webhooks_enabled else ()),
            *retention_job(
                runtime, retention_steps(settings, audit, webhook_store), settings.retention
            ),
        ),
        on_start=(
            lambda: ensure_indexes(runtime.db),
            audit.ensure_index,
            loans.ensure_index,
            requests.ensure_index,
            items.ensure_index,
            item_loader(settings, bus),
            webhook_store.ensure_indexes,
        ),
        on_stop=(listener.close,),
        errors=problems.STATUSES,
        error_handlers=problems.HANDLERS,
        body_limits=problems.BODY_LIMITS,
        audit=audit,
        state={"bus": bus, "webhooks": webhooks},
    )


def webhook_parts(
    settings: CirculationSettings,
    store: MongoWebhookStore,
    db: AsyncDatabase[Document],
    topics: Topics,
    bus: MessageBus,
    clock: Clock,
) -> tuple[Webhooks, Deliverer, HttpListener]:
    """The institution's webhooks (store, listeners' client) and their deliverer."""
    listener = HttpListener(settings.webhook_retry.timeout_s)

    items = MongoItemRepository(db[ITEMS], topics)

    async def item_policy_of(barcode: str) -> str | None:
        item = await items.get(bus.ctx.institution, barcode)
        return item.item_policy if item else None

    webhooks = Webhooks(
        bus.ctx.institution, store, listener, policy=bus.ctx.policy, item_policy_of=item_policy_of
    )
    deliverer = Deliverer(webhooks, settings.webhook_retry, clock, poll_s=settings.webhook_poll_s)
    return webhooks, deliverer, listener


def subscribers(
    settings: CirculationSettings,
    topics: Topics,
    bus: MessageBus,
    webhooks: Webhooks,
    reports: ErasureReports | None = None,
    *,
    ours: Callable[[str], bool] = lambda _event_id: False,
) -> tuple[Subscriber, ...]:
    """The patrons' projection, its own loan states (a rebuild), the network activity's and the
    webhooks' queue, unless the settings turn one off."""
    inst, fast = bus.ctx.institution, settings.fast_consumers
    chosen = []
    if settings.consume_patrons:
        chosen.append(
            kafka.patron_subscriber(
                kafka.patrons(topics, inst), bus, fast=fast, reports=reports, webhooks=webhooks
            )
        )
    if settings.consume_loan_state:
        own = kafka.loan_state(topics, inst)
        chosen.append(kafka.loan_state_subscriber(own, bus, fast=fast, ours=ours))
    if settings.consume_network_activity:
        activity = kafka.network_activity(topics, inst)
        chosen.append(kafka.activity_subscriber(activity, bus, fast=fast))
    if settings.webhooks_enabled:
        consumption = kafka.loan_webhooks(topics, inst)
        chosen.append(kafka.webhook_subscriber(consumption, webhooks, fast=fast))
    return tuple(chosen)


def retention_steps(
    settings: CirculationSettings, audit: AuditLog, webhooks: MongoWebhookStore
) -> tuple[tuple[str, RetentionStep], ...]:
    """The daily retention's steps: the audit trail, the webhooks' delivered deliveries."""
    kept = settings.retention
    deliveries = purge_step(
        "webhook_deliveries", kept.webhook_deliveries, webhooks.purge_delivered_before
    )
    return (audit.retention(kept.audit), deliveries)


def jobs(
    settings: CirculationSettings, bus: MessageBus, db: AsyncDatabase[Document]
) -> tuple[LeasedLoop, ...]:
    """The jobs' loop (aged to lost, retention, hold shelf) in one replica of the institution
    (the lease ``jobs``, held two intervals), unless the settings turn it off."""
    if not settings.jobs_enabled:
        return ()
    interval = settings.jobs_interval_s
    lease = Lease(db[LEASES], JOBS_LEASE, uuid.uuid4().hex, 2 * interval)
    return (job_loop(bus, interval, lease),)


def policy_reload(settings: CirculationSettings, policy: CurrentPolicy) -> tuple[Periodic, ...]:
    """The policy file's watcher (a calendar changed in the ConfigMap), unless turned off."""
    interval = settings.policy_reload_interval_s
    return (PolicyWatcher(policy, settings.policies_dir).loop(interval),) if interval else ()


def item_loader(settings: CirculationSettings, bus: MessageBus) -> Step:
    """The start-up step loading the items file (upserts), when the settings name one."""

    async def load_items() -> None:
        if settings.items_file is not None:
            records = tuple(read_item_file(settings.items_file))
            loaded = await bus.handle(LoadItems(institution=bus.ctx.institution, items=records))
            log.info("items_loaded", file=str(settings.items_file), loaded=loaded.loaded)

    return load_items


def publications(topics: Topics, inst: InstitutionCode) -> tuple[Publication, ...]:
    """The topics one institution's circulation writes (through its outboxes)."""
    return (
        Publication(topics.loan(inst), LOAN_EVENTS, "Every loan change."),
        Publication(
            topics.loan_state(inst), (LoanState,), "The open loans as they stand (compacted)."
        ),
        Publication(topics.request(inst), REQUEST_EVENTS, "Holds and digitisation requests."),
        Publication(topics.item(inst), ITEM_EVENTS, "Staff changes of an item's status."),
        Publication(
            topics.loan_activity, (LoanActivitySummary,), "This institution's loan summaries."
        ),
        erasure_publication(topics),
    )
