"""Open-loop load at the desks: arrivals at a fixed rate, whatever the service answers.

A network of 75 desks does not scan again the instant it is answered (the closed loop of
``run_level``): each desk scans every few seconds, so requests arrive at a rate (Poisson: the
gaps between arrivals are exponential, seeded) and queue when the service is slower than they
come. At each rate the mix is 45 % check-outs (a fresh item to one of the desks' patrons), 45 %
returns (of an item lent earlier, chosen at random), 5 % account lookups (the patron's loans) and
5 % renewals (of an open loan). Every request carries the desk operator's token. Latency is
measured from the request's planned arrival (a late start counts), so queueing shows.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.circulation_service import DESKS, Service, patron_id
from bench.counted import difference, per_operation, read_counts
from bench.measure import percentiles
from bench.servers import CpuMeter, Servers

MIX = (("check_out", 0.45), ("return", 0.45), ("lookup", 0.05), ("renewal", 0.05))
OK = {"check_out": {201}, "return": {200}, "lookup": {200}, "renewal": {200}}
# A renewal or a check-out the rules refuse (too early, loan limit) is an answer, not a failure.
REFUSED = {409, 422}


@dataclass
class Desks:
    """The loans the open loop has made and not returned yet, per item (and their patron)."""

    patrons: int
    fresh: Iterator[str]
    rng: random.Random
    open_loans: dict[str, tuple[str, str]] = field(default_factory=dict)  # item -> patron, loan

    def patron(self) -> str:
        return patron_id(self.rng.randrange(self.patrons))


async def warm(client: httpx.AsyncClient, desks: Desks, loans: int) -> None:
    """Lend ``loans`` items first, so that returns and renewals have loans to work on."""
    for _ in range(loans):
        await _operation(client, desks, "check_out")


async def run_rate(
    client: httpx.AsyncClient,
    service: Service,
    servers: Servers,
    desks: Desks,
    rate: float,
    duration_s: float,
) -> dict[str, Any]:
    """Poisson arrivals at ``rate`` per second for ``duration_s``; latency, errors, CPU, counts."""
    arrivals, at = [], 0.0
    while (at := at + desks.rng.expovariate(rate)) < duration_s:
        arrivals.append((at, _pick(desks.rng)))
    samples: dict[str, list[float]] = {op: [] for op, _ in MIX}
    outcome = {"errors": 0, "refused": 0}
    errors: list[str] = []
    meter = CpuMeter(
        {"service": service.pid, "store": servers.store_pid, "broker": servers.kafka_pid}
    )
    before = await read_counts(service.pid, service.counts)
    meter.start()
    started = time.perf_counter()

    async def arrive(at: float, op: str) -> None:
        await asyncio.sleep(max(0.0, started + at - time.perf_counter()))
        try:
            op, status = await _operation(client, desks, op)
        except httpx.HTTPError as error:
            status, text = 0, repr(error)
        else:
            text = ""
        samples[op].append((time.perf_counter() - started - at) * 1000)
        if status in REFUSED:
            outcome["refused"] += 1
        elif status not in OK[op]:
            outcome["errors"] += 1
            errors.append(f"{op}: {status} {text[:200]}")

    await asyncio.gather(*(arrive(at, op) for at, op in arrivals))
    wall = time.perf_counter() - started
    cpu = meter.stop()
    counts = difference(await read_counts(service.pid, service.counts), before)
    pooled = [ms for values in samples.values() for ms in values]
    return {
        "rate": rate,
        "offered": len(arrivals),
        "wall_s": wall,
        "all": percentiles(pooled) if pooled else {},
        "by_operation": {op: percentiles(v) for op, v in samples.items() if v},
        "errors": outcome["errors"],
        "refused": outcome["refused"],
        "error_examples": errors[:5],
        "cpu_ms_per_op": {
            name: None if s is None else s * 1000 / max(len(arrivals), 1) for name, s in cpu.items()
        },
        "counts_per_op": per_operation(counts, len(arrivals)),
    }


def _pick(rng: random.Random) -> str:
    draw, total = rng.random(), 0.0
    for op, share in MIX:
        total += share
        if draw < total:
            return op
    return MIX[-1][0]


async def _operation(client: httpx.AsyncClient, desks: Desks, op: str) -> tuple[str, int]:
    """One desk request: what it was and its status (a return or renewal with no loan open
    lends instead, and is counted as a check-out)."""
    headers = {"X-Desk": DESKS[desks.rng.randrange(len(DESKS))]}
    if op in ("return", "renewal") and not desks.open_loans:
        op = "check_out"
    if op == "check_out":
        item, patron = next(desks.fresh), desks.patron()
        body = {"patron": patron, "item_barcode": item}
        answer = await client.post("/loans", json=body, headers=headers)
        if answer.status_code == 201:
            desks.open_loans[item] = (patron, answer.json()["loan"]["loan_id"])
        return op, answer.status_code
    if op == "lookup":
        answer = await client.get(f"/patrons/{desks.patron()}/loans", headers=headers)
        return op, answer.status_code
    item = desks.rng.choice(list(desks.open_loans))
    if op == "return":
        _patron, _loan = desks.open_loans.pop(item)  # no other request touches it meanwhile
        answer = await client.post("/returns", json={"item_barcode": item}, headers=headers)
        return op, answer.status_code
    _patron, loan_id = desks.open_loans[item]
    answer = await client.post(f"/loans/{loan_id}/renewal", headers=headers)
    return op, answer.status_code
