"""Store round trips and broker requests of a service, counted from inside its process.

    python -m bench.counted circulation      # runs ``python -m circulation``, counted

Counting changes nothing in the service: PyMongo's command monitoring is registered globally
(``pymongo.monitoring.register``) before the service opens its client in its lifespan, so every
client the process builds (``rebub_shared.mongo.open_mongo``) reports each command it sends; and
aiokafka's ``AIOKafkaClient.send`` (every request to a broker: produce, fetch, metadata,
heartbeats, offsets) and ``AIOKafkaProducer.send`` (every record published, FastStream's
``publish`` included) are wrapped to count. A benchmark in the same process calls
:func:`install` and reads :func:`snapshot`; one running the service as a child reads the counts
with :func:`read_counts` (SIGUSR1: the child writes them to ``$REBUB_BENCH_COUNTS``).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import runpy
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from pymongo import monitoring

COUNTS_ENV = "REBUB_BENCH_COUNTS"
PROFILE_ENV = "REBUB_BENCH_PROFILE"  # a file: the service runs under cProfile (see ``main``)


class CommandCounter(monitoring.CommandListener):
    """Store commands (round trips) by name, and the time the store took to answer them."""

    def __init__(self) -> None:
        self.commands: Counter[str] = Counter()
        self.store_ms = 0.0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.store_ms += event.duration_micros / 1000

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.store_ms += event.duration_micros / 1000


class Counts:
    """What one process sent to the store and the broker since it started counting."""

    def __init__(self) -> None:
        self.store = CommandCounter()
        self.kafka_requests: Counter[str] = Counter()
        self.published = 0
        self.seq = 0

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready totals (subtract two with :func:`difference`)."""
        return {
            "store": dict(self.store.commands),
            "store_ms": self.store.store_ms,
            "kafka": dict(self.kafka_requests),
            "published": self.published,
        }


_COUNTS: Counts | None = None


def install() -> Counts:
    """Count this process's store commands and broker requests from now on (once per process)."""
    global _COUNTS
    if _COUNTS is not None:
        return _COUNTS
    counts = _COUNTS = Counts()
    monitoring.register(counts.store)
    from aiokafka.client import AIOKafkaClient
    from aiokafka.producer.producer import AIOKafkaProducer

    request = AIOKafkaClient.send
    publish = AIOKafkaProducer.send

    async def counted_request(self: Any, node_id: Any, req: Any, **kwargs: Any) -> Any:
        # ``ProduceRequest_v7`` -> ``Produce``: the request's kind, whatever its version
        counts.kafka_requests[type(req).__name__.split("_v")[0].removesuffix("Request")] += 1
        return await request(self, node_id, req, **kwargs)

    async def counted_publish(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts.published += 1
        return await publish(self, *args, **kwargs)

    AIOKafkaClient.send = counted_request  # type: ignore[method-assign]
    AIOKafkaProducer.send = counted_publish  # type: ignore[method-assign]
    return counts


def snapshot() -> dict[str, Any]:
    """This process's counts so far (``install`` first)."""
    if _COUNTS is None:
        raise RuntimeError("bench.counted.install() was not called in this process")
    return _COUNTS.snapshot()


def difference(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """The counts between two snapshots."""

    def minus(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
        return {name: n - b.get(name, 0) for name, n in a.items() if n - b.get(name, 0)}

    return {
        "store": minus(after["store"], before["store"]),
        "store_ms": after["store_ms"] - before["store_ms"],
        "kafka": minus(after["kafka"], before["kafka"]),
        "published": after["published"] - before["published"],
    }


def add(total: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """Two processes' counts together."""

    def plus(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
        return {name: a.get(name, 0) + b.get(name, 0) for name in a.keys() | b.keys()}

    return {
        "store": plus(total["store"], more["store"]),
        "store_ms": total["store_ms"] + more["store_ms"],
        "kafka": plus(total["kafka"], more["kafka"]),
        "published": total["published"] + more["published"],
    }


def per_operation(counts: dict[str, Any], operations: int) -> dict[str, Any]:
    """Round trips and broker requests per operation: the figures that carry to MongoDB."""
    ops = max(operations, 1)
    return {
        "store_round_trips": sum(counts["store"].values()) / ops,
        "store_by_command": {name: n / ops for name, n in sorted(counts["store"].items())},
        "store_ms": counts["store_ms"] / ops,
        "produce_requests": counts["kafka"].get("Produce", 0) / ops,
        "broker_requests": sum(counts["kafka"].values()) / ops,
        "published": counts["published"] / ops,
    }


def counts_file(folder: Path, name: str) -> Path:
    """Where a counted child writes its counts."""
    return folder / f"{name}.counts.json"


def _read(path: Path) -> dict[str, Any]:
    """The counts file (a few hundred bytes: read in the event loop's thread)."""
    if not path.exists():
        return {"seq": -1}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


async def read_counts(pid: int, path: Path, timeout_s: float = 10) -> dict[str, Any]:
    """Ask a counted child (``python -m bench.counted``) for its counts and wait for them."""
    seen = _read(path)["seq"]
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        data = _read(path)
        if data["seq"] != seen:
            return data["counts"]  # type: ignore[no-any-return]
        await asyncio.sleep(0.01)
    raise TimeoutError(f"process {pid} wrote no counts to {path} in {timeout_s} s")


def _write_counts(path: Path, counts: Counts) -> None:
    counts.seq += 1
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"seq": counts.seq, "counts": counts.snapshot()}))
    partial.replace(path)  # the reader never sees half a file


def main() -> None:
    """Run ``python -m <module>`` with counting on; SIGUSR1 writes the counts (and the profile,
    when ``$REBUB_BENCH_PROFILE`` names a file: uvicorn ends on SIGTERM by raising it again, so
    no code runs at exit)."""
    module, path = sys.argv[1], Path(os.environ[COUNTS_ENV])
    counts = install()
    profile = os.environ.get(PROFILE_ENV)
    profiler = cProfile.Profile() if profile else None

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        _write_counts(path, counts)
        if profiler is not None and profile:
            profiler.dump_stats(profile)  # stops it: where the service's own CPU goes
            profiler.enable()

    signal.signal(signal.SIGUSR1, on_signal)
    sys.argv = [module, *sys.argv[2:]]
    if profiler is None:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        profiler.runcall(runpy.run_module, module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
