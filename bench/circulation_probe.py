"""Store round trips, broker requests and service CPU of one check-out and one return, alone.

One desk lends ``count`` fresh items one after the other (to ten patrons in turn: a patron's
loan limit is 15), then returns them: the service's
counts (``bench.counted``) and its CPU are read before and after each series, so each operation's
figures are its own (the service's background loops add a little: their commands are named in
``store_by_command``). These figures do not depend on the store's speed: they carry to MongoDB.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx

from bench.circulation_service import DESKS, Service, patron_id
from bench.counted import difference, per_operation, read_counts
from bench.servers import CpuMeter

PATRONS = 10  # the probe's patrons (the seeded ones: at least one per desk of the largest level)


async def probe(
    client: httpx.AsyncClient, service: Service, fresh: Iterator[str], count: int
) -> dict[str, dict[str, Any]]:
    """Per operation (check-out, return): round trips, broker requests, service CPU ms."""
    items = [next(fresh) for _ in range(count)]
    headers = {"X-Desk": DESKS[0]}
    series = {
        "check_out": [
            ("/loans", {"patron": patron_id(n % PATRONS), "item_barcode": item}, 201)
            for n, item in enumerate(items)
        ],
        "return": [("/returns", {"item_barcode": item}, 200) for item in items],
    }
    figures: dict[str, dict[str, Any]] = {}
    for op, calls in series.items():
        meter = CpuMeter({"service": service.pid})
        before = await read_counts(service.pid, service.counts)
        meter.start()
        started, failed = time.perf_counter(), 0
        for path, body, expected in calls:
            answer = await client.post(path, json=body, headers=headers)
            failed += answer.status_code != expected
        wall = time.perf_counter() - started
        cpu = meter.stop()["service"]
        counts = difference(await read_counts(service.pid, service.counts), before)
        figures[op] = per_operation(counts, len(calls)) | {
            "operations": len(calls),
            "errors": failed,
            "service_cpu_ms": None if cpu is None else cpu * 1000 / len(calls),
            "mean_ms": wall * 1000 / len(calls),
        }
    return figures
