"""The monitoring manifests (issue 17, item 5): the Kafka Exporter enabled, the dashboards
provisioned by ConfigMap, every PromQL expression of the alert rules and dashboards parsed by
Prometheus's own parser and reading only metrics that the services or the Kafka Exporter really
expose, and every alert explained in the runbook."""

from __future__ import annotations

import json
import re

import pytest

from rebub.deploy.monitoring import (
    KAFKA_EXPORTER_METRICS,
    check_promql,
    dashboard_exprs,
    rule_exprs,
    services_metrics,
    unknown_metrics,
)
from rebub.deploy.render import of_kind
from rebub.dlq import redrive_group
from rebub.infra.paths import project_root
from rebub_shared.tenancy import tenant_codes
from rebub_shared.topics import Topics


@pytest.fixture(scope="module")
def known() -> set[str]:
    return services_metrics() | KAFKA_EXPORTER_METRICS


def test_strimzi_runs_the_kafka_exporter_over_every_topic_and_group(rendered):
    [kafka] = of_kind(rendered["platform"], "Kafka")
    exporter = kafka["spec"]["kafkaExporter"]
    assert (exporter["topicRegex"], exporter["groupRegex"]) == (".*", ".*")
    assert exporter["showAllOffsets"] is True  # the dlq-redrive groups have no member


def test_the_dashboards_are_provisioned_for_grafanas_sidecar(rendered):
    [config] = of_kind(rendered["monitoring"], "ConfigMap")
    assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert sorted(config["data"]) == ["rebub-network.json", "rebub-tenant.json"]
    panels = [p for text in config["data"].values() for p in json.loads(text)["panels"]]
    assert {p["type"] for p in panels} <= {"timeseries", "stat"}  # Grafana's panel plugins
    titles = {e.split(" / ")[1] for e in dashboard_exprs(rendered["monitoring"])}
    for wanted in (
        "Consumer lag per group",
        "Dead letters",
        "Oldest pending outbox entry",
        "Latest import: records and rejects",
        "Letters",
        "HTTP latency (p95)",
        "HTTP errors (req/s)",
        "Messages published per topic (msg/s)",
    ):
        assert wanted in titles


def test_every_expression_parses_and_reads_only_metrics_that_are_exposed(rendered, known):
    exprs = rule_exprs(rendered["monitoring"]) | dashboard_exprs(rendered["monitoring"])
    assert len(exprs) > 20
    checked = check_promql(exprs.values())
    assert [(c["expr"], c["error"]) for c in checked if c["error"]] == []
    assert unknown_metrics(checked, known) == {}
    read = {m for c in checked for m in c["metrics"]}
    assert {
        "rebub_dead_letters_total",
        "rebub_letters_total",
        "rebub_import_feed_missing",
        "rebub_outbox_oldest_pending_seconds",
        "kafka_consumergroup_lag",
    } <= read


def test_a_broken_expression_and_a_misspelt_metric_are_caught(rendered, known):
    broken, misspelt = check_promql(["rate(rebub_letters_total[5m]", "rebub_dead_leters_total"])
    assert "unclosed left parenthesis" in broken["error"]
    assert unknown_metrics([misspelt], known) == {
        "rebub_dead_leters_total": ["rebub_dead_leters_total"]
    }


def test_every_alert_has_its_section_in_the_runbook(rendered):
    runbook = (project_root() / "docs" / "operations.md").read_text()
    sections = {m.lower() for m in re.findall(r"^#+ `?(\w+)`?\s*$", runbook, re.MULTILINE)}
    for name in rule_exprs(rendered["monitoring"]):
        assert name.lower() in sections, name


def test_the_daily_pickup_runs_the_import_command_on_the_drop_folder(rendered):
    [job] = of_kind(rendered["overlays/network"], "CronJob")
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["command"] == ["patron-sync", "import-pickup", "/drop"]
    assert (job["spec"]["timeZone"], job["spec"]["concurrencyPolicy"]) == ("Europe/Paris", "Forbid")
    [drop] = [v for v in pod["volumes"] if v["name"] == "drop"]
    claims = {
        c["metadata"]["name"]
        for c in of_kind(rendered["overlays/network"], "PersistentVolumeClaim")
    }
    assert drop["persistentVolumeClaim"]["claimName"] in claims


def test_the_dead_letter_alert_reads_what_rebub_dlq_marks_handled(rendered):
    """The alert holds while records wait past the offset ``rebub dlq redrive|discard`` commits
    for the tenant's redrive group, on every tenant's dead-letter topics (and on no other)."""
    expr = rule_exprs(rendered["monitoring"])["RebubDeadLetters"]
    [checked] = check_promql([expr])
    assert set(checked["metrics"]) == {
        "kafka_topic_partition_current_offset",
        "kafka_consumergroup_current_offset",  # where the redrive group stands
        "kafka_topic_partition_oldest_offset",  # a group that never committed, records expired
    }
    regexes = {  # PromQL's regexes are anchored, as fullmatch
        label: re.compile(value.replace("\\\\", "\\"))
        for label, value in re.findall(r'(topic|consumergroup)=~"([^"]+)"', expr)
    }
    t = Topics()
    for tenant in tenant_codes():
        assert regexes["consumergroup"].fullmatch(redrive_group(t, tenant))
        assert regexes["topic"].fullmatch(t.dead_letter(t.patron("ub"), tenant))
    assert not regexes["topic"].fullmatch(t.loan("ub"))
