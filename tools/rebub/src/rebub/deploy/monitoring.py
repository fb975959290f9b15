"""Checks of the monitoring manifests (``deploy/k8s/monitoring``): every PromQL expression of the
alert rules and the dashboards parses with Prometheus's own parser (``deploy/tools/promql``, a
small Go module built like kustomize-build), and every metric it reads is one that exists: the
rebub services' own (read from the registries of instances built as in production) or the Kafka
Exporter's.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from rebub.deploy.render import Resource, go_tool, of_kind

#: What Strimzi's Kafka Exporter exposes and the rules and dashboards read (its documented names).
KAFKA_EXPORTER_METRICS = frozenset(
    {
        "kafka_consumergroup_lag",
        "kafka_consumergroup_current_offset",
        "kafka_topic_partition_current_offset",
        "kafka_topic_partition_oldest_offset",
    }
)
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("_sum", "_count", "_created"),
}


def promql_binary() -> Path:
    return go_tool("promql", "promql-check", "to check PromQL expressions")


def check_promql(exprs: Iterable[str]) -> list[dict[str, Any]]:
    """Each expression parsed: ``{"expr", "error" ("" when it parses), "metrics"}``."""
    result = subprocess.run(
        [str(promql_binary())],
        input=json.dumps(list(exprs)),
        capture_output=True,
        text=True,
        check=True,
    )
    checked: list[dict[str, Any]] = json.loads(result.stdout)
    return checked


def rule_exprs(resources: list[Resource]) -> dict[str, str]:
    """Alert name -> expression, of every PrometheusRule."""
    return {
        rule["alert"]: rule["expr"]
        for r in of_kind(resources, "PrometheusRule")
        for group in r["spec"]["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def dashboard_exprs(resources: list[Resource]) -> dict[str, str]:
    """``dashboard / panel / refId`` -> expression, of every dashboard in a ConfigMap."""
    found = {}
    for config in of_kind(resources, "ConfigMap"):
        for name, text in config.get("data", {}).items():
            if not name.endswith(".json"):
                continue
            for panel in json.loads(text)["panels"]:
                for target in panel["targets"]:
                    found[f"{name} / {panel['title']} / {target['refId']}"] = target["expr"]
    return found


def exposed_names(registry: CollectorRegistry) -> set[str]:
    """The sample names a scrape of ``registry`` can show (a labelled metric without samples
    yet included: its ``# TYPE`` line says what it will expose)."""
    names: set[str] = set()
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            names.add(name)
            names.update(name + suffix for suffix in SUFFIXES.get(kind, ()))
    return names


async def _scraped(app: Any) -> set[str]:
    """Names in the instance's registry once its app answered one request (the HTTP metrics'
    middleware is built on the first one); no broker or store is reached."""
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as c:
        assert (await c.get("/health")).status_code == 200
    registry: CollectorRegistry = app.state.runtime.metrics
    return exposed_names(registry)


def services_metrics(issuer: str = "http://127.0.0.1:9/realms/none") -> set[str]:
    """Every metric name the services expose: circulation, the notifier and patron-sync of an
    institution, and the network zone's patron-sync, built as in production (nothing started)."""
    from circulation.entrypoints.http import create_app as circulation_app
    from circulation.settings import CirculationSettings
    from notifier.entrypoints.http import create_app as notifier_app
    from notifier.settings import NotifierSettings
    from patron_sync.entrypoints.http import create_app as patron_sync_app
    from patron_sync.settings import PatronSyncSettings
    from rebub_shared.auth.settings import AuthSettings

    auth = AuthSettings(issuer=issuer)
    apps = (
        circulation_app(CirculationSettings(tenant="ub", auth=auth)),
        notifier_app(NotifierSettings(tenant="ub", auth=auth)),
        patron_sync_app(PatronSyncSettings(tenant="ub", auth=auth)),
        patron_sync_app(PatronSyncSettings(tenant="network", auth=auth)),
    )

    async def scrape_all() -> set[str]:
        return set().union(*[await _scraped(app) for app in apps])

    return asyncio.run(scrape_all())


def unknown_metrics(checked: list[dict[str, Any]], known: set[str]) -> dict[str, list[str]]:
    """Expression -> the metrics it reads that nothing exposes."""
    return {
        c["expr"]: missing
        for c in checked
        if (missing := [m for m in c["metrics"] if m not in known])
    }
