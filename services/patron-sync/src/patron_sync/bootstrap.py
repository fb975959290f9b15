"""The composition root of patron-sync: one instance (the network zone's imports, or one
institution zone's desk API and consumers) declared as a ``ServiceSpec``, without I/O."""

from patron_sync.adapters.mongo_iz import PATRONS, ensure_iz_indexes
from patron_sync.adapters.mongo_nz import MongoNzAccounts
from patron_sync.entrypoints import kafka
from patron_sync.entrypoints import routes as http
from patron_sync.entrypoints.addition_routes import additions_router
from patron_sync.entrypoints.feed_watch import FeedWatch
from patron_sync.entrypoints.instance import PatronSync
from patron_sync.entrypoints.link_stream import BODY_LIMIT as LINK_STREAM_LIMIT
from patron_sync.entrypoints.link_stream import PATH as LINK_STREAM
from patron_sync.entrypoints.link_stream import link_stream_router
from patron_sync.settings import SERVICE, PatronSyncSettings
from rebub_shared.audit import AuditLog
from rebub_shared.clock import Clock
from rebub_shared.contracts.patrons import (
    ExternalReaderPublished,
    NzAccountChanged,
    PatronChanged,
    WaitingAccountMerged,
)
from rebub_shared.erasure_reports import erasure_publication
from rebub_shared.http import BodyLimit
from rebub_shared.retention_job import purge_step, retention_job
from rebub_shared.runtime import build_runtime
from rebub_shared.service import Publication, ServiceSpec
from rebub_shared.tenancy import NETWORK

__all__ = ["PatronSync", "build", "instance_spec", "patron_sync_spec"]


def build(settings: PatronSyncSettings, clock: Clock | None = None) -> PatronSync:
    """The instance's collaborators (an institution zone's patrons outbox relay included)."""
    runtime = build_runtime(settings, SERVICE, clock)
    relay = None if settings.tenant == NETWORK else runtime.outbox_relay(PATRONS)
    return PatronSync(settings, runtime, relay)


def patron_sync_spec(settings: PatronSyncSettings, clock: Clock | None = None) -> ServiceSpec:
    """One patron-sync instance, declared (no I/O: the store and broker open in the app)."""
    return instance_spec(build(settings, clock))


def instance_spec(service: PatronSync) -> ServiceSpec:
    """The declaration of a built instance: the network zone's or an institution zone's."""
    return network_spec(service) if service.is_network else institution_spec(service)


def network_spec(service: PatronSync) -> ServiceSpec:
    """The network zone: DSI imports over HTTP (or the command line), ``nz.patron.v1`` out."""
    rt, settings = service.runtime, service.settings
    nz_accounts = Publication(rt.topics.nz_patron, (NzAccountChanged,), "The imported accounts.")
    audit, kept = AuditLog(rt), settings.retention
    history_step = purge_step("import_history", kept.import_history, service.history.purge_before)
    return ServiceSpec(
        runtime=rt,
        title=f"patron-sync [{settings.tenant}]",
        subscribers=(kafka.erasure_subscriber(service),),
        publishes=(nz_accounts,),
        routers=(http.network_router(),),
        background=(
            FeedWatch(service.history, rt.clock, rt.metrics, settings.feed_watch_s),
            *retention_job(rt, (audit.retention(kept.audit), history_step), kept),
        ),
        on_start=(MongoNzAccounts(rt.db).ensure_indexes, service.history.ensure_indexes),
        errors=http.STATUSES,
        body_limits={"/imports": BodyLimit(settings.feed_max_bytes, upload=True)},
        audit=audit,
        after_start=(audit.ensure_index,),
        state={"service": service},
    )


def institution_spec(service: PatronSync) -> ServiceSpec:
    """An institution zone: the desk API, the NZ projection, external readers in and out."""
    rt, inst = service.runtime, service.institution
    assert service.relay is not None  # an institution zone has its patrons' outbox
    own = Publication(rt.topics.patron(inst), (PatronChanged, WaitingAccountMerged))
    readers = Publication(rt.topics.external_reader, (ExternalReaderPublished,))
    audit, kept = AuditLog(rt), service.settings.retention
    return ServiceSpec(
        runtime=rt,
        title=f"patron-sync [{inst}]",
        subscribers=(
            kafka.nz_subscriber(service),
            kafka.reader_subscriber(service),
            kafka.erasure_subscriber(service),
        ),
        publishes=(own, readers, erasure_publication(rt.topics)),
        routers=(http.desk_router(), additions_router(), link_stream_router()),
        background=(
            service.relay,
            *retention_job(rt, (audit.retention(kept.audit),), kept),
        ),
        on_start=(lambda: ensure_iz_indexes(rt.db), service.relay.ensure_index),
        after_start=(audit.ensure_index,),
        on_stop=(service.nz_reader.close,),
        errors=http.STATUSES,
        body_limits={LINK_STREAM: LINK_STREAM_LIMIT},
        audit=audit,
        state={"service": service},
    )
