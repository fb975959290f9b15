"""Benchmark: a webhook listener that is down does not slow the desk (issue 20).

    uv run python -m bench.webhook_desk [--checkouts 40 --shared-store --json f]

One real ``python -m circulation`` process (``ub``, as ``bench.circulation_desk`` runs it) with
one webhook registered (LOAN_CREATED and LOAN_RETURNED) to a listener in this process. One desk
lends ``--checkouts`` fresh items one after the other, timed from request to answer, then
returns them (not timed), once to warm up, then in phases (``--phases``, in order): the listener
**up** (answers 200), **hanging** (it accepts and never answers: each attempt waits the full
``timeout_s``, 10 s), **refusing** (its server stopped: each attempt refused at once); an ``up``
after a down phase sends the backlog meanwhile. Run the phases in two orders to tell the
listener's effect from the order's (the loans collection grows from phase to phase). What the listener got and what is left pending
shows it was really down. No figure is asserted anywhere: this reports the machine's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Response

from bench.circulation_service import DESKS, barcode, circulation_process, patron_id, seed
from bench.servers import Servers, add_store_options, run_and_report
from rebub.mailbox import free_port
from rebub.testing.waiting import eventually

MODES = ("up", "hanging", "refusing")
PATRONS = 10  # loan limit 15 each: a phase's check-outs are returned before the next one


class Listener:
    """Answers Alma's challenge; POSTs answered 200 (``up``) or never (``hanging``)."""

    def __init__(self) -> None:
        self.port, self.mode, self.received = free_port(), "up", 0
        self._release = asyncio.Event()  # set when the server stops: hanging requests end
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._app = FastAPI()
        self._app.get("/hook")(self._challenge)
        self._app.post("/hook")(self._receive)

    async def _challenge(self, challenge: str) -> dict[str, str]:
        return {"challenge": challenge}

    async def _receive(self) -> Response:
        if self.mode == "hanging":
            await self._release.wait()  # no answer before the deliverer's timeout
            return Response(status_code=503)
        self.received += 1
        return Response(status_code=200)

    async def start(self) -> None:
        config = uvicorn.Config(self._app, port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        await eventually(self._started, "the listener started")

    async def _started(self) -> bool:
        return self._server is not None and self._server.started

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            self._release.set()
            await asyncio.wait_for(self._task, 15)
            self._server = None

    async def enter(self, phase: str) -> None:
        await self.stop()
        self.mode, self._release = phase, asyncio.Event()
        if phase != "refusing":
            await self.start()


async def benchmark(options: argparse.Namespace, servers: Servers) -> dict[str, Any]:
    listener = Listener()
    await listener.start()
    desk = {"X-Desk": DESKS[0], "Authorization": f"Bearer {servers.token('ub-desk')}"}
    manager = {"Authorization": f"Bearer {servers.token('ub-manager')}"}
    phases: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as folder:
        async with circulation_process(servers, Path(folder) / "circulation.log") as service:
            count = options.checkouts
            phases_n = len(options.phases)
            await seed(service, servers, items=(phases_n + 1) * count, patrons=PATRONS)
            async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
                hook = {
                    "url": f"http://127.0.0.1:{listener.port}/hook",
                    "secret": "bench-secret",
                    "events": ["LOAN_CREATED", "LOAN_RETURNED"],
                }
                registered = await client.post("/webhooks", json=hook, headers=manager)
                registered.raise_for_status()
                sid = registered.json()["subscription_id"]
                fresh = (barcode(n) for n in itertools.count())
                await _lend_and_return(client, desk, [next(fresh) for _ in range(count)])  # warm
                for n, mode in enumerate(options.phases, start=1):
                    phase = f"{n} {mode}"
                    await listener.enter(mode)
                    items = [next(fresh) for _ in range(count)]
                    times, errors = await _lend_and_return(client, desk, items)
                    log = await client.get(
                        f"/webhooks/{sid}/deliveries", params={"limit": 1000}, headers=manager
                    )
                    pending = sum(d["state"] == "pending" for d in log.json())
                    phases[phase] = {
                        "checkout_ms": times,
                        "errors": errors,
                        "listener_received": listener.received,
                        "pending_after": pending,
                    }
    await listener.stop()
    return {"options": {"checkouts": options.checkouts, "phases": options.phases}, "phases": phases}


async def _lend_and_return(
    client: httpx.AsyncClient, desk: dict[str, str], items: list[str]
) -> tuple[list[float], int]:
    """Lend ``items`` one after the other (each check-out timed), then return them (not timed);
    the check-outs' milliseconds and how many were not answered 201."""
    times, errors = [], 0
    for n, item in enumerate(items):
        body = {"patron": patron_id(n % PATRONS), "item_barcode": item}
        started = time.perf_counter()
        answer = await client.post("/loans", json=body, headers=desk)
        times.append((time.perf_counter() - started) * 1000)
        errors += answer.status_code != 201
    for item in items:
        await client.post("/returns", json={"item_barcode": item}, headers=desk)
    return times, errors


def summary(report: dict[str, Any]) -> dict[str, Any]:
    def line(phase: dict[str, Any]) -> dict[str, Any]:
        times = sorted(phase["checkout_ms"])
        return {
            "p50_ms": statistics.median(times),
            "p95_ms": times[int(0.95 * (len(times) - 1))],
            "errors": phase["errors"],
            "listener_received": phase["listener_received"],
            "pending_after": phase["pending_after"],
        }

    return {name: line(phase) for name, phase in report["phases"].items()}


def render(report: dict[str, Any]) -> str:
    rows = ["| listener | check-out p50 / p95 ms | errors | received so far | pending after |"]
    rows.append("|---|---|---:|---:|---:|")
    for name, s in report["summary"].items():
        rows.append(
            f"| {name} | {s['p50_ms']:.1f} / {s['p95_ms']:.1f} | {s['errors']} | "
            f"{s['listener_received']} | {s['pending_after']} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_desk", description=__doc__)
    parser.add_argument("--checkouts", type=int, default=40, help="timed check-outs per phase")
    parser.add_argument(
        "--phases",
        type=lambda text: [mode for mode in text.split(",") if mode in MODES],
        default=["up", "hanging", "refusing", "up"],
        help=f"the listener's mode in each phase, in order, comma-separated ({', '.join(MODES)})",
    )
    add_store_options(parser, keeps="database")
    return run_and_report("webhook", parser.parse_args(argv), benchmark, summary, render)


if __name__ == "__main__":
    main()
