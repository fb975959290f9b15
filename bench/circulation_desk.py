"""Benchmark: check-out and return over HTTP: store round trips, broker requests and service CPU
per operation (``bench.circulation_probe``); latency (p50, p95, p99), throughput and CPU per
operation at 1, 8, 20 and 75 concurrent desks (a closed loop); then arrivals at fixed rates (an
open loop, ``bench.circulation_open_loop``); beside the raw broker and store of the same run.

    uv run python -m bench.circulation_desk [--levels 1,8,20,75 --cycles 100 --rounds 1
        --rates 5,12.5,25 --rate-seconds 20 --probe 20 --json f]

The service is a real ``python -m circulation`` process (``ub``) on the local Kafka and a FerretDB
of the benchmark's own (``--shared-store``: the local infrastructure's; the servers
``REBUB_KAFKA_BOOTSTRAP`` / ``REBUB_MONGO_URI`` name are used when set). Each desk is an asyncio
task of this process with its own patron: it lends a fresh item, then returns it, again and again.
Each desk's first cycle warms its connection and is not measured. Every request carries a
desk operator's access token (``ub-desk`` of the run's issuer), checked by the service. The load generator shares the
machine's cores with the service, the store and the broker: its own CPU is reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from bench.circulation_open_loop import Desks, run_rate, warm
from bench.circulation_probe import PATRONS as PROBE_PATRONS
from bench.circulation_probe import probe
from bench.circulation_report import render, summary
from bench.circulation_service import (
    DESKS,
    Service,
    barcode,
    circulation_process,
    drop_namespace,
    patron_id,
    seed,
    stored_loans,
)
from bench.counted import difference, per_operation, read_counts
from bench.measure import RawSpeed, add_raw_options, raw_speed
from bench.servers import CpuMeter, Servers, add_store_options, run_and_report

OPERATIONS = ("check_out", "return")
OPEN_DESKS = 75  # the open loop's patrons: one per desk of the network


async def benchmark(options: argparse.Namespace, servers: Servers) -> dict[str, Any]:
    """Raw speed, then every level ``rounds`` times against one service process; JSON-ready."""
    load_start = os.getloadavg()
    raw_before = await _raw(options, servers)
    publish_ms = await raw_publish_ms(servers.kafka_bootstrap, options.raw_docs)
    plan = [(r, desks) for r in range(options.rounds) for desks in options.levels]
    per_desk = {desks: cycles_per_desk(options.cycles, desks) for desks in options.levels}
    items = sum(desks * (per_desk[desks] + 1) for _, desks in plan) + options.probe
    arrivals = sum(rate * options.rate_seconds for rate in options.rates)
    items += OPEN_DESKS * 2 + math.ceil(arrivals * 0.7)  # check-outs: 45 % of arrivals, and margin
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-circulation-") as folder:
        log_file = Path(folder) / "circulation.log"
        async with circulation_process(servers, log_file) as service:
            patrons = max([*options.levels, OPEN_DESKS, PROBE_PATRONS])
            seeding = await seed(service, servers, items=items, patrons=patrons)
            limits = httpx.Limits(max_connections=max(options.levels) + 5)
            desk = {"Authorization": f"Bearer {servers.token('ub-desk')}"}  # a desk operator
            async with httpx.AsyncClient(
                base_url=service.url, limits=limits, timeout=60, headers=desk
            ) as client:
                fresh = map(barcode, itertools.count())
                await probe(client, service, fresh, 2)  # the first requests warm the service
                round_trips = await probe(client, service, fresh, options.probe)
                print("round trips measured", file=sys.stderr)
                for round_no, desks in plan:
                    run = await run_level(client, service, servers, desks, per_desk[desks], fresh)
                    runs.append({"round": round_no} | run)
                    print(f"round {round_no}: {desks} desk(s) done", file=sys.stderr)
                open_loop = await _open_loop(client, service, servers, options, fresh)
    if not options.keep:
        await drop_namespace(servers, service)
    raw_after = await _raw(options, servers)
    return {
        "options": vars(options),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(),
        },
        "raw_before": raw_before.as_dict() | {"kafka_publish_ms": publish_ms},
        "raw_after": raw_after.as_dict(),
        "seeding": seeding | {"items": items, "patrons": patrons},
        "round_trips": round_trips,
        "runs": runs,
        "open_loop": open_loop,
    }


async def _open_loop(
    client: httpx.AsyncClient,
    service: Service,
    servers: Servers,
    options: argparse.Namespace,
    fresh: Iterator[str],
) -> list[dict[str, Any]]:
    """Each rate in turn, after loans are lent for returns and renewals to work on."""
    desks = Desks(OPEN_DESKS, fresh, random.Random(options.seed))
    await warm(client, desks, OPEN_DESKS * 2)
    results = []
    for rate in options.rates:
        # A fresh token per rate: a long run must not outlive the desk's access token.
        client.headers["Authorization"] = f"Bearer {servers.token('ub-desk')}"
        results.append(await run_rate(client, service, servers, desks, rate, options.rate_seconds))
        print(f"open loop: {rate}/s done", file=sys.stderr)
    return results


async def _raw(options: argparse.Namespace, servers: Servers) -> RawSpeed:
    return await raw_speed(
        servers.kafka_bootstrap,
        servers.mongo_uri,
        messages=options.raw_messages,
        docs=options.raw_docs,
    )


def cycles_per_desk(cycles: int, desks: int) -> int:
    """Measured cycles of each desk: at least ``cycles`` in all."""
    return math.ceil(cycles / desks)


async def run_level(
    client: httpx.AsyncClient,
    service: Service,
    servers: Servers,
    desks: int,
    cycles: int,
    fresh: Iterator[str],
) -> dict[str, Any]:
    """``desks`` desks, each one warm-up cycle then ``cycles`` measured check-out/return cycles."""
    meter = CpuMeter(
        {
            "service": service.pid,
            "store": servers.store_pid,
            "broker": servers.kafka_pid,
            "load_generator": os.getpid(),
        }
    )
    loans_before = await stored_loans(servers, service)
    meter.start()
    await asyncio.sleep(1.0)  # what the processes spend while no desk works (other clients too)
    idle = meter.stop()
    samples: dict[str, list[float]] = {op: [] for op in OPERATIONS}
    errors: list[str] = []
    warm_up: dict[str, list[float]] = {op: [] for op in OPERATIONS}
    await asyncio.gather(*(_desk(client, i, 1, fresh, warm_up, errors) for i in range(desks)))
    counted = await read_counts(service.pid, service.counts)
    meter.start()
    started = time.perf_counter()
    await asyncio.gather(*(_desk(client, i, cycles, fresh, samples, errors) for i in range(desks)))
    wall = time.perf_counter() - started
    cpu = meter.stop()
    counts = difference(await read_counts(service.pid, service.counts), counted)
    return {
        "desks": desks,
        "cycles": desks * cycles,
        "loans_in_store": loans_before,
        "wall_s": wall,
        "cpu_s": cpu,
        "idle_cpu_s": idle,
        "counts_per_op": per_operation(counts, 2 * desks * cycles),
        "errors": errors[:10],
        "error_count": len(errors),
        "latency_ms": samples,
    }


async def _desk(
    client: httpx.AsyncClient,
    n: int,
    cycles: int,
    fresh: Iterator[str],
    samples: dict[str, list[float]],
    errors: list[str],
) -> None:
    """One desk: lend a fresh item to its patron, return it; ``cycles`` times."""
    headers = {"X-Desk": DESKS[n % len(DESKS)]}  # the operator: the client's token subject
    for _ in range(cycles):
        item = next(fresh)
        for op, path, body, expected in (
            ("check_out", "/loans", {"patron": patron_id(n), "item_barcode": item}, 201),
            ("return", "/returns", {"item_barcode": item}, 200),
        ):
            started = time.perf_counter()
            try:
                answer = await client.post(path, json=body, headers=headers)
            except httpx.HTTPError as error:  # a timeout is an error of the level, not the run's
                samples[op].append((time.perf_counter() - started) * 1000)
                errors.append(f"{op} {item}: {error!r}")
                continue
            samples[op].append((time.perf_counter() - started) * 1000)
            if answer.status_code != expected:
                errors.append(f"{op} {item}: {answer.status_code} {answer.text[:200]}")


async def raw_publish_ms(bootstrap: str, messages: int) -> float:
    """Median of single acknowledged publishes (``send_and_wait``), as the outbox relay does."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        topic, times = f"bench-raw-publish-{os.getpid()}-{time.time_ns()}", []
        await producer.send_and_wait(topic, b"{}")  # the topic's creation is not measured
        for i in range(messages):
            started = time.perf_counter()
            await producer.send_and_wait(topic, b'{"loan_id": "L-1"}', key=str(i).encode())
            times.append(time.perf_counter() - started)
    finally:
        await producer.stop()
    return statistics.median(times) * 1000


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.circulation_desk", description=__doc__)
    parser.add_argument(
        "--levels",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 8, 20, 75],
        help="concurrent desks, comma-separated",
    )
    parser.add_argument("--cycles", type=int, default=100, help="measured cycles per level")
    parser.add_argument("--rounds", type=int, default=1, help="passes over all the levels")
    parser.add_argument(
        "--probe", type=int, default=20, help="check-outs then returns counted one by one"
    )
    parser.add_argument(
        "--rates",
        type=lambda text: [float(n) for n in text.split(",")],
        default=[5.0, 12.5, 25.0],
        help="open-loop arrival rates (operations/s), comma-separated",
    )
    parser.add_argument("--rate-seconds", type=float, default=20, help="seconds at each rate")
    parser.add_argument("--seed", type=int, default=0, help="the open loop's random seed")
    add_raw_options(parser)
    add_store_options(parser, keeps="database")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its summary, and return the report (with ``summary``)."""
    return run_and_report("circulation", _options(argv), benchmark, summary, render)


if __name__ == "__main__":
    main()
