"""``rebub status``: every service's URL, health, readiness and consumer lag, machine-readable."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from rebub.flows import FlowSnapshot, sample_flows
from rebub.infra import LocalInfra
from rebub.infra.server import port_open
from rebub.network import ServiceInstance, network_plan, smtp_port


@dataclass(frozen=True)
class InstanceStatus:
    name: str
    service: str
    tenant: str
    url: str
    live: bool
    ready: bool
    consumer_lag: int | None


def _lag(instance: ServiceInstance, flows: FlowSnapshot | None) -> int | None:
    if flows is None:
        return None
    prefixes = {f"{instance.tenant}.{instance.service}.", f"{instance.tenant}.{instance.module}."}
    return sum(
        g.lag
        for t in flows.topics
        for g in t.groups
        if any(g.group.startswith(p) for p in prefixes)
    )


async def _probe(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


async def ready_now(plan: list[ServiceInstance], timeout_s: float = 10.0) -> set[str]:
    """The names of the instances of ``plan`` whose ``/ready`` answers 200 now: readiness alone,
    without the broker reading of ``gather_status``, each probe patient with a busy machine."""
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        ready = await asyncio.gather(*(_probe(client, f"{i.url}/ready") for i in plan))
    return {i.name for i, ok in zip(plan, ready, strict=True) if ok}


async def gather_status(
    infra: LocalInfra, plan: list[ServiceInstance] | None = None
) -> dict[str, Any]:
    plan = network_plan() if plan is None else plan
    servers = infra.status()
    flows = None
    if next(s for s in servers if s.name == "kafka").running:
        flows = await sample_flows(infra.kafka_bootstrap, **infra.kafka.running_client_options())
    async with httpx.AsyncClient(timeout=2.0) as client:
        checks = await asyncio.gather(
            *(
                asyncio.gather(_probe(client, f"{i.url}/health"), _probe(client, f"{i.url}/ready"))
                for i in plan
            )
        )
    instances = [
        InstanceStatus(i.name, i.service, i.tenant, i.url, live, ready, _lag(i, flows))
        for i, (live, ready) in zip(plan, checks, strict=True)
    ]
    return {
        "infrastructure": [asdict(s) for s in servers],
        "smtp": {
            "address": f"127.0.0.1:{smtp_port()}",
            "running": port_open("127.0.0.1", smtp_port()),
        },
        "services": [asdict(s) for s in instances],
        "all_ready": all(s.ready for s in instances),
    }
