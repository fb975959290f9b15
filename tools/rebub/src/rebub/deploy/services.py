"""What each service of each tenant reads and writes on the broker: the one input of every
generated artefact about topics (topic creation, deploy topology, autoscaling triggers, ACLs and
the event catalog).

Each service's own declaration, not a copy: for every tenant, the ``bootstrap`` of each service it
runs builds the instance's ``ServiceSpec`` (settings with a placeholder issuer; nothing connects)
and its ``topology()`` is what the running instance subscribes to and publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

from circulation.bootstrap import circulation_spec
from circulation.settings import CirculationSettings
from notifier.bootstrap import notifier_spec
from notifier.settings import NotifierSettings
from patron_sync.bootstrap import patron_sync_spec
from patron_sync.settings import PatronSyncSettings
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.service import ServiceSpec, ServiceTopology
from rebub_shared.settings import KafkaSettings, ServiceSettings
from rebub_shared.tenancy import NETWORK, TenantCode, tenant_codes
from rebub_shared.topics import Topics

#: Never asked: building a spec checks no token (the app's start would, with a real issuer).
PLACEHOLDER_ISSUER = "https://issuer.invalid/realms/rebub"

Build = Callable[[TenantCode, Topics], ServiceSpec]
S = TypeVar("S", bound=ServiceSettings)


def _settings(kind: type[S], tenant: TenantCode, topics: Topics) -> S:
    kafka = KafkaSettings(topic_prefix=topics.prefix)
    return kind(tenant=tenant, kafka=kafka, auth=AuthSettings(issuer=PLACEHOLDER_ISSUER))


def _patron_sync(tenant: TenantCode, topics: Topics) -> ServiceSpec:
    return patron_sync_spec(_settings(PatronSyncSettings, tenant, topics))


def _circulation(tenant: TenantCode, topics: Topics) -> ServiceSpec:
    return circulation_spec(_settings(CirculationSettings, tenant, topics))


def _notifier(tenant: TenantCode, topics: Topics) -> ServiceSpec:
    return notifier_spec(_settings(NotifierSettings, tenant, topics))


def builders(tenant: TenantCode) -> tuple[Build, ...]:
    """The services a tenant runs: the network zone runs patron-sync's imports only."""
    return (_patron_sync,) if tenant == NETWORK else (_patron_sync, _circulation, _notifier)


def service_topologies(topics: Topics) -> list[ServiceTopology]:
    """Every service instance of the network: the network zone's, then each institution's."""
    return list(_topologies(topics, tenant_codes()))


@cache  # building the specs takes a moment, and the generators ask many times (keyed by the
# tenants too: a network configured with another institution gets its own answer)
def _topologies(topics: Topics, tenants: tuple[TenantCode, ...]) -> tuple[ServiceTopology, ...]:
    return tuple(
        build(tenant, topics).topology() for tenant in tenants for build in builders(tenant)
    )
