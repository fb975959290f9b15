"""The rendered manifests say what the services declare (``service_topologies``): the autoscaler
watches exactly their consumer groups on exactly their topics, each tenant's Kafka user reaches
exactly what its services read and write, and the topics exist with their dead letters.

Issue 15: the triggers watched groups nothing used (``ub.patron-sync.main``,
``ub.circulation.main``) because they were compared with a second hand-written list.
"""

from __future__ import annotations

import pytest

from rebub.deploy.render import of_kind
from rebub.deploy.services import service_topologies
from rebub_shared.service import ServiceTopology
from rebub_shared.tenancy import TenantCode, institution_codes, tenant_codes
from rebub_shared.topic_table import dead_letter_topics, topic_spec, topic_table
from rebub_shared.topics import Topics

T = Topics()


def _instances(tenant: TenantCode) -> list[ServiceTopology]:
    return [s for s in service_topologies(T) if s.tenant == tenant]


@pytest.mark.parametrize("inst", institution_codes())
def test_each_scaled_consumer_watches_exactly_its_declared_groups_and_topics(inst, rendered):
    scaled = {
        s["metadata"]["name"]: {
            (t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in s["spec"]["triggers"]
        }
        for s in of_kind(rendered[f"overlays/{inst}"], "ScaledObject")
    }
    declared = {
        s.service: {(c.group, topic) for c in s.consumes for topic in c.topics}
        for s in _instances(inst)
        if s.consumes
    }
    assert scaled == declared


def test_the_triggers_name_the_groups_the_services_of_issue_15_really_use(rendered):
    groups = {
        t["metadata"]["consumerGroup"]: t["metadata"]["topic"]
        for s in of_kind(rendered["overlays/ub"], "ScaledObject")
        for t in s["spec"]["triggers"]
        if s["metadata"]["name"] != "notifier"
    }
    assert groups == {
        "ub.patron-sync.nz-patron": "nz.patron.v1",
        "ub.patron-sync.external-reader": "net.external-reader.v1",
        "ub.patron-sync.erasure": "net.erasure.v1",
        "ub.circulation.patrons": "ub.patron.v1",
        "ub.circulation.loan-state": "ub.circulation.loan-state.v1",
        "ub.circulation.network-activity": "net.loan-activity.v1",
        "ub.circulation.webhooks": "ub.circulation.loan.v1",
    }
    notifier = of_kind(rendered["overlays/ub"], "ScaledObject")[-1]
    assert {t["metadata"]["consumerGroup"] for t in notifier["spec"]["triggers"]} == {
        "ub.notifier.main",
        "ub.notifier.loan-state",
    }


@pytest.mark.parametrize("tenant", tenant_codes())
def test_each_kafka_user_reaches_what_its_services_declare(tenant, rendered):
    (user,) = [
        u for u in of_kind(rendered["platform"], "KafkaUser") if u["metadata"]["name"] == tenant
    ]
    granted = {
        (a["resource"]["type"], a["resource"]["name"], op)
        for a in user["spec"]["authorization"]["acls"]
        for op in a["operations"]
    }
    mine = _instances(tenant)
    # Where its services confirm erasures, its dead letters are read back (the person's purged).
    erases = any(T.erasure in s.topics_written for s in mine)
    assert {n for kind, n, op in granted if (kind, op) == ("topic", "Read")} == {
        n for s in mine for n in (*s.topics_read, *(dead_letter_topics(s) if erases else ()))
    }
    assert {n for kind, n, op in granted if (kind, op) == ("topic", "Write")} == {
        n for s in mine for n in (*s.topics_written, *dead_letter_topics(s))
    }
    assert {n for kind, n, op in granted if kind == "group"} == {g for s in mine for g in s.groups}


def test_the_topics_are_the_tables_and_one_dead_letter_topic_per_tenant_and_topic_read(
    rendered,
):
    created = {t["spec"]["topicName"] for t in of_kind(rendered["platform"], "KafkaTopic")}
    dead = {T.dead_letter(n, s.tenant) for s in service_topologies(T) for n in s.topics_read}
    assert created == {s.name for s in topic_table(T)} | dead
    assert "bsa.dlq.net.loan-activity.v1" in dead
    assert "network.dlq.nz.patron.v1" not in dead  # the network zone reads nothing


def test_every_declared_topic_and_event_is_in_the_table_and_every_topic_has_a_publisher():
    published = set()
    for s in service_topologies(T):
        for p in s.publishes:
            assert set(p.events) <= set(topic_spec(p.topic, T).events), (s.service, p.topic)
            published.add(p.topic)
        for c in s.consumes:
            carried = {e for topic in c.topics for e in topic_spec(topic, T).events}
            assert set(c.events) <= carried, (s.service, c.group)
            assert c.group.startswith(f"{s.tenant}.{s.service}."), c.group
    assert published == {s.name for s in topic_table(T)}
