"""Benchmark: a full DSI feed where a share of the accounts changed, imported by the network
instance of patron-sync and fanned out to the five institution zones: time until every IZ holds
the changed versions of its linked patrons, CPU per record, beside a raw aiokafka + PyMongo loop
doing the same writes in the same run.

    uv run python -m bench.patron_sync_import [--accounts 100000 --changed 0.02 --linked 0.3]

The six instances are real ``python -m patron_sync`` processes (network, ub, ubm, scpo, inp,
bsa) on the local Kafka and a FerretDB of the benchmark's own (``--shared-store``: the local
infrastructure's; ``REBUB_KAFKA_BOOTSTRAP`` / ``REBUB_MONGO_URI`` name other servers).

Phase 1 (setup, timed, not the headline): import a full feed of N UB accounts, wait until the
five IZs projected it, and link ``--linked`` of the accounts in each IZ (a sample of its own):
``--api-links`` per IZ through the desk API (``GET /patrons/{primary_id}``, the only linking path
the service has), the rest written as the service writes them (``bench.patron_sync_seed``).
Phase 2 (measured): import the same N accounts with ``--changed`` of them carrying a new email,
from the upload until the five IZs have written and announced (``{inst}.patron.v1``) the new
version of each linked changed patron. Reference: ``bench.patron_sync_raw`` on the same records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.counted import difference, read_counts
from bench.measure import add_raw_options, raw_speed
from bench.patron_sync_raw import RawPlan, raw_fan_out
from bench.patron_sync_report import render, summary
from bench.patron_sync_seed import seed_links
from bench.patron_sync_service import (
    INSTITUTIONS,
    SOURCE,
    ConsistencyWatch,
    Deployment,
    changed_indexes,
    deployment,
    drop_databases,
    import_feed,
    link,
    linked_indexes,
    new_email,
    primary_id,
    revisions_of,
    stored_changes,
    wait_projected,
    write_feed,
)
from bench.servers import CpuMeter, Servers, add_store_options, run_and_report
from rebub.demo.feeds import synthetic_accounts


async def benchmark(options: argparse.Namespace, servers: Servers) -> dict[str, Any]:
    """Raw speed, the two phases on the six processes, the raw reference; JSON-ready."""
    load_start = os.getloadavg()
    raw_before = await raw_speed(
        servers.kafka_bootstrap,
        servers.mongo_uri,
        messages=options.raw_messages,
        docs=options.raw_docs,
    )
    n = options.accounts
    changed = changed_indexes(n, options.changed)
    linked: dict[str, list[int]] = {
        code: linked_indexes(n, code, options.linked) for code in INSTITUTIONS
    }
    with tempfile.TemporaryDirectory(prefix="bench-patron-sync-") as folder:
        work = Path(folder)
        first, second = write_feed(work / "ub-1.csv", n), write_feed(work / "ub-2.csv", n, changed)
        async with deployment(servers, work) as d:
            setup = await _setup(options, servers, d, first, linked)
            _progress("phase 1 (setup)", setup)
            measured = await _measured(options, servers, d, second, changed, linked)
            _progress("phase 2 (measured)", measured)
        if not options.keep:
            await drop_databases(servers, d)
    meter = CpuMeter(
        {"raw_loop": os.getpid(), "store": servers.store_pid, "broker": servers.kafka_pid}
    )
    meter.start()
    raw = await raw_fan_out(
        servers.kafka_bootstrap, servers.mongo_uri, _raw_plan(n, changed, linked)
    )
    raw["cpu_s"] = meter.stop()
    _progress("raw reference", raw)
    return {
        "options": vars(options),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(),
        },
        "raw_before": raw_before.as_dict(),
        "counts": {
            "accounts": n,
            "changed": len(changed),
            "linked_per_iz": {code: len(ids) for code, ids in linked.items()},
            "linked_changed_per_iz": {
                code: len(set(ids) & set(changed)) for code, ids in linked.items()
            },
        },
        "setup": setup,
        "measured": measured,
        "raw": raw,
    }


def _meter(servers: Servers, d: Deployment) -> CpuMeter:
    pids = {name: i.pid for name, i in d.instances.items()}
    return CpuMeter(
        pids | {"store": servers.store_pid, "broker": servers.kafka_pid, "bench": os.getpid()}
    )


async def _setup(
    options: argparse.Namespace,
    servers: Servers,
    d: Deployment,
    feed: Path,
    linked: dict[str, list[int]],
) -> dict[str, Any]:
    """Phase 1: first full feed, projected in the five IZs, then the links."""
    meter = _meter(servers, d)
    meter.start()
    imported = await import_feed(d.network, feed, servers.token("ub-feed-admin"))
    projected_s = await wait_projected(servers, d, options.accounts, options.timeout)
    started = time.perf_counter()
    api = {code: indexes[: options.api_links] for code, indexes in linked.items()}
    seeded = {
        code: {primary_id(i) for i in indexes[options.api_links :]}
        for code, indexes in linked.items()
    }
    written = [
        await seed_links(servers.mongo_uri, d.network, iz, seeded[iz.tenant])
        for iz in d.institutions
    ]
    seeded_s, started = time.perf_counter() - started, time.perf_counter()
    failed = await asyncio.gather(
        *(
            link(iz, api[iz.tenant], options.link_concurrency, servers.token(f"{iz.tenant}-desk"))
            for iz in d.institutions
        )
    )
    link_s = time.perf_counter() - started
    samples = [(iz, sorted(seeded[iz.tenant])[:3]) for iz in d.institutions]
    revisions = [
        r
        for iz, ids in samples
        for r in await revisions_of(iz, ids, servers.token(f"{iz.tenant}-desk"))
    ]
    return {
        "import_s": imported["seconds"],
        "report": imported["report"],
        "projected_s": projected_s,
        "seeded": sum(written),
        "seeded_s": seeded_s,
        "seeded_read_back": revisions,  # through the desk API: 1 = found as written
        "api_links": sum(len(ids) for ids in api.values()),
        "api_link_s": link_s,
        "api_link_failures": sum(failed),
        "cpu_s": meter.stop(),
    }


async def _measured(
    options: argparse.Namespace,
    servers: Servers,
    d: Deployment,
    feed: Path,
    changed: list[int],
    linked: dict[str, list[int]],
) -> dict[str, Any]:
    """Phase 2: the second feed, from the upload until every IZ is consistent."""
    meter = _meter(servers, d)
    await asyncio.sleep(2.0)  # let the links' last events settle
    meter.start()
    await asyncio.sleep(options.idle_seconds)
    idle = {k: v / options.idle_seconds if v is not None else None for k, v in meter.stop().items()}
    counted = {name: await read_counts(i.pid, i.counts) for name, i in d.instances.items()}
    watch = ConsistencyWatch(
        servers.kafka_bootstrap,
        d.topics,
        {code: {primary_id(i) for i in set(ids) & set(changed)} for code, ids in linked.items()},
        {primary_id(i): new_email(i) for i in changed},
    )
    await watch.start()
    meter.start()
    started = time.perf_counter()
    imported = await import_feed(d.network, feed, servers.token("ub-feed-admin"))
    arrived = await watch.wait(options.timeout)
    consistent = max([*arrived.values(), started + imported["seconds"]])
    cpu = meter.stop()
    await asyncio.sleep(0.5)  # the relays' removals (``removal_linger_s``) are part of the work
    counts = {
        name: difference(await read_counts(i.pid, i.counts), counted[name])
        for name, i in d.instances.items()
    }
    return {
        "counts": counts,
        "import_s": imported["seconds"],
        "report": imported["report"],
        "consistent_s": consistent - started,
        "iz_consistent_s": {code: at - started for code, at in arrived.items()},
        "cpu_s": cpu,
        "idle_cpu_per_s": idle,
        "stored_changes": await stored_changes(servers, d, watch),
    }


def _raw_plan(n: int, changed: list[int], linked: dict[str, list[int]]) -> RawPlan:
    accounts = [
        asdict(a) | {"_id": primary_id(i), "version": 1}
        for i, a in enumerate(synthetic_accounts(n, SOURCE, seed=0))
    ]
    new = [accounts[i] | {"email": new_email(i), "version": 2} for i in changed]
    ids = {code: {primary_id(i) for i in indexes} for code, indexes in linked.items()}
    return RawPlan(accounts, ids, new)


def _progress(step: str, figures: dict[str, Any]) -> None:
    print(f"[bench] {step}: {json.dumps(figures, default=str)}", file=sys.stderr, flush=True)


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.patron_sync_import", description=__doc__)
    parser.add_argument("--accounts", type=int, default=3000, help="accounts in each full feed")
    parser.add_argument("--changed", type=float, default=0.02, help="share changed in the 2nd feed")
    parser.add_argument("--linked", type=float, default=0.3, help="share linked in each IZ")
    parser.add_argument(
        "--api-links",
        type=int,
        default=40,
        help="links per IZ through the desk API (the rest seeded)",
    )
    parser.add_argument("--link-concurrency", type=int, default=4, help="desks linking per IZ")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for each wait")
    parser.add_argument("--idle-seconds", type=float, default=3.0, help="idle CPU sample")
    add_raw_options(parser)
    add_store_options(parser, keeps="databases")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its summary, and return the report (with ``summary``)."""
    return run_and_report("patron-sync", _options(argv), benchmark, summary, render)


if __name__ == "__main__":
    main()
