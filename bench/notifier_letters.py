"""Benchmark: the notifier's daily pass over an institution's active loans (letters computed and
sent, time, CPU, store round trips and broker requests per letter; a pass with nothing due),
beside the raw broker and store measured in the same run.

    uv run python -m bench.notifier_letters [--loans 100000 --due 5000 --runs 3 --json out.json]

The notifier is the service's own app (``create_app``: store, outbox relay, broker) run in this
process without its HTTP server or scheduler; letters go to a real SMTP server (``LocalMailbox``
in a child process) and printed letters to a temporary folder. Each run is one pass on its own
day (``bench.notifier_data``); the letters of earlier runs stay stored, as on the days of a
real week. The figures quoted are medians over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from bench.counted import difference, install, per_operation, snapshot
from bench.measure import add_raw_options, percentiles, raw_speed
from bench.notifier_data import load, loading_counts, now_of, synthetic_library
from bench.notifier_report import render
from bench.servers import CpuMeter, Mailbox, Servers, local_servers, mailbox_process
from notifier.adapters.mongo_store import MongoStore
from notifier.entrypoints.http import create_app
from notifier.service_layer import NotifierBus, PlanDay, RunDailyPass
from notifier.settings import NotifierSettings, SmtpSettings
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock, paris_date
from rebub_shared.logging import configure_logging
from rebub_shared.settings import KafkaSettings, MongoSettings

FIRST_DAY = date(2026, 12, 8)
INSTITUTION = "ub"


async def benchmark(options: argparse.Namespace, servers: Servers) -> dict[str, Any]:
    """Load the data, run one pass per day, and return every figure (JSON-ready)."""
    install()  # store round trips and broker requests of this process (the service's own)
    raw = await raw_speed(
        servers.kafka_bootstrap,
        servers.mongo_uri,
        messages=options.raw_messages,
        docs=options.raw_docs,
    )
    days = [FIRST_DAY + timedelta(days=i) for i in range(options.runs)]
    token = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="bench-notifier-") as folder:
        work = Path(folder)
        with mailbox_process(work / "mail") as mailbox:
            settings = NotifierSettings(
                tenant=INSTITUTION,
                kafka=KafkaSettings(bootstrap=servers.kafka_bootstrap, topic_prefix=f"b{token}."),
                mongo=MongoSettings(uri=servers.mongo_uri, database_prefix=f"bench{token}_"),
                smtp=SmtpSettings(port=mailbox.port),
                letters_dir=work / "letters",
                scheduler_enabled=False,
                auth=AuthSettings(issuer=servers.oidc_issuer),  # no HTTP call is made
            )
            clock = MovableClock(now_of(days[0]))
            app = create_app(settings, clock)
            _log_to(work / "notifier.log")
            async with app.router.lifespan_context(app):
                _log_to(work / "notifier.log")  # the broker's loggers exist now
                bus: NotifierBus = app.state.bus
                report = await _measure(options, bus, clock, days, servers, mailbox)
    if not options.keep:
        await _drop(servers.mongo_uri, f"bench{token}_{INSTITUTION}_notifier")
    return {"options": vars(options), "raw": raw.as_dict()} | report


async def _measure(
    options: argparse.Namespace,
    n: NotifierBus,
    clock: MovableClock,
    days: list[date],
    servers: Servers,
    mailbox: Mailbox,
) -> dict[str, Any]:
    store = n.store
    assert isinstance(store, MongoStore)
    library = synthetic_library(options.loans, options.due, days, n.ctx.settings)
    loading = {"counts": loading_counts(library), "seconds": await load(store, library)}
    del library
    _progress("loaded", loading)
    # The loaded keys are not noted on their loans yet (as after an upgrade): the first plan
    # notes them; the second is the steady state, the one reported.
    first = await compute_only(n, days[0])
    _progress("compute only, first (notes the loaded claims, schedules every loan)", first)
    breakdown = await compute_only(n, days[0])
    _progress("compute only", breakdown)
    if breakdown["due_loans"] != options.due:
        raise RuntimeError(f"{breakdown['due_loans']} loans due on {days[0]}, not {options.due}")

    sent_at: list[tuple[str, float]] = []
    relay = n.ctx.after_sent

    async def timed_relay(letter_id: str, written: Mapping[str, Any] | None = None) -> None:
        await relay(letter_id, written)
        sent_at.append((letter_id, time.perf_counter()))

    n.ctx.after_sent = timed_relay
    meter = CpuMeter(
        {
            "service": os.getpid(),
            "store": servers.store_pid,
            "broker": servers.kafka_pid,
            "smtp": mailbox.pid,
        }
    )
    passes: list[dict[str, Any]] = []
    for day in days:
        clock.set(now_of(day))
        idle = await _store_idle_cpu(servers.store_pid)
        sent_at.clear()
        counted = snapshot()
        meter.start()
        started = time.perf_counter()
        summary = await n.handle(RunDailyPass(clock.now()))
        wall = time.perf_counter() - started
        cpu = meter.stop()
        counts = difference(snapshot(), counted)
        channels = await _channels(store, day)
        emails_sent = sum(1 for c in channels.values() if c == "email")
        received = mailbox.wait_for(emails_sent + sum(p["emails"] for p in passes))
        passes.append(
            {
                "day": day.isoformat(),
                "states": summary.states,
                "unreachable": summary.unreachable,
                "letters": len(sent_at),
                "emails": emails_sent,
                "printed": len(channels) - emails_sent,
                "emails_received_total": received,
                "wall_s": wall,
                "first_letter_s": sent_at[0][1] - started if sent_at else None,
                "cpu_s": cpu,
                "store_idle_cpu_per_s": idle,
                "per_letter_ms": _per_letter_ms(sent_at, channels),
                "counts": counts,
                "counts_per_letter": per_operation(counts, len(sent_at)),
            }
        )
        _progress("pass", passes[-1])
    clock.set(now_of(days[-1]) + timedelta(hours=1))
    counted = snapshot()
    meter.start()
    started = time.perf_counter()
    idle_summary = await n.handle(RunDailyPass(clock.now()))
    idle_pass = {"wall_s": time.perf_counter() - started, "cpu_s": meter.stop()}
    idle_pass["states"] = idle_summary.states
    idle_pass["counts"] = difference(snapshot(), counted)
    return {
        "loading": loading,
        "compute_first": first,
        "compute_only": breakdown,
        "passes": passes,
        "idle_pass": idle_pass,
    }


async def compute_only(n: NotifierBus, day: date) -> dict[str, Any]:
    """The reads and the computation of a pass (``plan_day``, which schedules the loans it reads
    and does not send), without recording or sending."""
    counted = snapshot()
    marks = [("start", time.perf_counter())]
    plan = await n.handle(
        PlanDay(paris_date(now_of(day)), lambda step: marks.append((step, time.perf_counter())))
    )
    due = plan.due
    return {step: b - a for (_, a), (step, b) in itertools.pairwise(marks)} | {
        "loans_read": len(plan.active),
        "candidates": plan.candidates,
        "letters": len(due.letters),
        "due_loans": sum(len(letter.items) for letter in due.letters)
        + sum(len(u.loan_ids) for u in due.unreachable),
        "counts": difference(snapshot(), counted),
    }


def _per_letter_ms(
    sent_at: list[tuple[str, float]], channels: dict[str, str]
) -> dict[str, dict[str, float]]:
    """Time between one letter's relay and the next one's, by the later letter's channel."""
    gaps: dict[str, list[float]] = {"email": [], "post": []}
    for (_, before), (letter_id, after) in itertools.pairwise(sent_at):
        gaps[channels[letter_id]].append((after - before) * 1000)
    return {
        channel: percentiles(values) | {"max": max(values)}
        for channel, values in gaps.items()
        if values
    }


async def _channels(store: MongoStore, day: date) -> dict[str, str]:
    """The channel of each letter sent on `day`."""
    cursor = store.letters.find({"day": day.isoformat(), "state": "sent"}, {"channel": 1})
    return {doc["_id"]: doc["channel"] async for doc in cursor}


async def _store_idle_cpu(pid: int | None, seconds: float = 1.0) -> float | None:
    """The store's CPU per second while this benchmark does nothing: other clients' load."""
    if pid is None:
        return None
    meter = CpuMeter({"store": pid})
    meter.start()
    await asyncio.sleep(seconds)
    cpu = meter.stop()["store"]
    return None if cpu is None else cpu / seconds


async def _drop(uri: str, database: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, socketTimeoutMS=60_000)
    try:
        await client.drop_database(database)
    finally:
        await client.close()


def _progress(step: str, figures: dict[str, Any]) -> None:
    print(f"[bench] {step}: {json.dumps(figures, default=str)}", file=sys.stderr, flush=True)


def _log_to(path: Path) -> None:
    """The service's JSON logs, as in production, into a file rather than the terminal (and
    FastStream's own loggers, which get their handlers when the broker is built and started)."""
    if not logging.getLogger().handlers:
        configure_logging(service="notifier", tenant=INSTITUTION, json=True)
    stream = path.open("a", encoding="utf-8")
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.stdout,
                sys.stderr,
            ):
                handler.setStream(stream)


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.notifier_letters", description=__doc__)
    parser.add_argument("--loans", type=int, default=20_000, help="active loans in the store")
    parser.add_argument("--due", type=int, default=500, help="loans reaching a stage each day")
    parser.add_argument("--runs", type=int, default=3, choices=(1, 2, 3), help="passes (days)")
    add_raw_options(parser)
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's database")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = _options(argv)
    servers = local_servers()
    report = asyncio.run(benchmark(options, servers))
    report["medians"] = medians(report)
    if options.json:
        options.json.write_text(json.dumps(report, indent=2, default=str))
    print(render(report))


def medians(report: dict[str, Any]) -> dict[str, float | None]:
    """Per-letter figures, median over the passes, and the ratio to a raw store update."""
    passes = report["passes"]

    def median(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    def per_letter_ms(p: dict[str, Any], seconds: float | None) -> float | None:
        return None if seconds is None or not p["letters"] else seconds * 1000 / p["letters"]

    figures = {
        "letters": median([p["letters"] for p in passes]),
        "wall_s": median([p["wall_s"] for p in passes]),
        "letters_per_s": median([p["letters"] / p["wall_s"] for p in passes]),
        "ms_per_letter": median([per_letter_ms(p, p["wall_s"]) for p in passes]),
    }
    for process in ("service", "store", "broker", "smtp"):
        figures[f"{process}_cpu_ms_per_letter"] = median(
            [per_letter_ms(p, p["cpu_s"][process]) for p in passes]
        )
    # The store is shared: its CPU per second just before a pass (others' load) is taken off.
    figures["store_cpu_ms_per_letter_net"] = median(
        [
            per_letter_ms(p, p["cpu_s"]["store"] - p["store_idle_cpu_per_s"] * p["wall_s"])
            if p["cpu_s"]["store"] is not None and p["store_idle_cpu_per_s"] is not None
            else None
            for p in passes
        ]
    )
    ms, update = figures["ms_per_letter"], report["raw"]["mongo_update_ms"]
    figures["ms_per_letter_over_raw_update"] = ms / update if ms is not None else None
    return figures


if __name__ == "__main__":
    main()
