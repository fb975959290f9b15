"""The servers a benchmark runs against, and the CPU each of them spends.

The local infrastructure (or the servers named by ``REBUB_KAFKA_BOOTSTRAP`` / ``REBUB_MONGO_URI``),
the pids of the local store and broker when rebub runs them, and a real SMTP server
(``rebub.mailbox.LocalMailbox``) in a child process of its own, so its CPU is not the service's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from bench.measure import cpu_seconds
from rebub.identity import DevTokens
from rebub.infra import LocalInfra
from rebub.infra.ferretdb import LocalFerretDB
from rebub.infra.keycloak import default_issuer
from rebub.infra.paths import InfraPaths
from rebub.infra.process import read_pid
from rebub.mailbox import free_port

PROJECT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Servers:
    """Where the broker and store answer; their pids when they run on this machine (else None)."""

    kafka_bootstrap: str
    mongo_uri: str
    kafka_pid: int | None
    store_pid: int | None
    oidc_issuer: str = field(default_factory=default_issuer)  # whose tokens services accept

    def token(self, name: str) -> str:
        """A development access token of the issuer's user or machine client ``name``."""
        return DevTokens(self.oidc_issuer).token(name)

    def service_env(self) -> dict[str, str]:
        """The servers and the token issuer, for a service process."""
        return {
            "REBUB_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "REBUB_MONGO_URI": self.mongo_uri,
            "REBUB_OIDC_ISSUER": self.oidc_issuer,
        }


def local_servers() -> Servers:
    """Start the local infrastructure unless it runs (or the environment names other servers)."""
    infra = LocalInfra.default()
    infra.up()
    kafka_pid = None if infra.kafka.external else read_pid(infra.kafka.pid_file)
    store_pid = None if infra.ferretdb.external else read_pid(infra.ferretdb.pid_file)
    return Servers(infra.kafka_bootstrap, infra.mongo_uri, kafka_pid, store_pid, infra.oidc_issuer)


@contextmanager
def private_store(servers: Servers, folder: Path) -> Iterator[Servers]:
    """A FerretDB of the benchmark's own (data in ``folder``, a free port), so that the store's CPU
    is this service's alone when other work shares the machine's store; stopped at the end."""
    default = InfraPaths.default()
    store = LocalFerretDB(InfraPaths(default.root, folder, default.cache), free_port())
    if store.external:
        raise RuntimeError(f"REBUB_MONGO_URI names the store ({store.external}): no private store")
    store.start()
    try:
        yield replace(servers, mongo_uri=store.address, store_pid=read_pid(store.pid_file))
    finally:
        store.stop()


def run_on_store(
    benchmark: Callable[[Servers], Coroutine[Any, Any, dict[str, Any]]],
    *,
    shared_store: bool,
    name: str,
) -> dict[str, Any]:
    """Run ``benchmark`` on the local servers, with a private store unless ``shared_store``."""
    servers = local_servers()
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-store-") as folder:
        if not shared_store and servers.store_pid is not None:
            with private_store(servers, Path(folder)) as own:
                return asyncio.run(benchmark(own))
        return asyncio.run(benchmark(servers))


def add_store_options(parser: argparse.ArgumentParser, *, keeps: str) -> None:
    """``--shared-store``, ``--json`` and ``--keep``: the options every service benchmark takes."""
    parser.add_argument(
        "--shared-store",
        action="store_true",
        help="use the local infrastructure's FerretDB, not one of the benchmark's own (by default "
        "a private one, so that the store's CPU is the service's alone)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--keep", action="store_true", help=f"keep the benchmark's {keeps}")


def run_and_report(
    name: str,
    options: argparse.Namespace,
    benchmark: Callable[[argparse.Namespace, Servers], Coroutine[Any, Any, dict[str, Any]]],
    summary: Callable[[dict[str, Any]], Any],
    render: Callable[[dict[str, Any]], str],
) -> dict[str, Any]:
    """Run a benchmark (``run_on_store``), add its summary, write ``--json``, print it, return it."""
    report = run_on_store(
        lambda servers: benchmark(options, servers), shared_store=options.shared_store, name=name
    )
    report["summary"] = summary(report)
    if options.json:
        options.json.write_text(json.dumps(report, indent=2, default=str))
    print(render(report))
    return report


async def stop_child(child: Any) -> None:
    """Stop a service process: SIGTERM (a graceful stop), then SIGKILL after 15 s."""
    child.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(child.wait(), timeout=15)
    except TimeoutError:
        child.kill()
        await child.wait()


async def wait_ready(
    url: str, child: Any, what: str, log_file: Path, timeout_s: float = 60
) -> None:
    """Until a service process answers ``/ready`` 200 (broker and store reachable, lifespan done)."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            if child.returncode is not None:
                raise RuntimeError(f"{what} exited ({child.returncode}); see {log_file}")
            try:
                if (await client.get("/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {timeout_s:.0f} s; see {log_file}")


@dataclass(frozen=True)
class Mailbox:
    """An SMTP server in a child process, writing each message as an ``.eml`` file in ``folder``."""

    folder: Path
    port: int
    pid: int

    def received(self) -> int:
        return len(list(self.folder.glob("*.eml")))

    def wait_for(self, count: int, timeout_s: float = 10.0) -> int:
        """Wait until `count` messages are on disk (the server writes after it answered)."""
        deadline = time.monotonic() + timeout_s
        while (seen := self.received()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return seen


@contextmanager
def mailbox_process(folder: Path) -> Iterator[Mailbox]:
    """Run ``LocalMailbox(folder)`` in its own process until the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.servers", str(folder)],
        cwd=PROJECT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        yield Mailbox(folder, port, child.pid)
    finally:
        assert child.stdin is not None
        child.stdin.close()  # the child stops when its stdin closes
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine: the figures are taken already
            child.kill()
            child.wait()


@dataclass
class CpuMeter:
    """CPU seconds spent by named processes between ``start`` and ``stop``."""

    pids: Mapping[str, int | None]
    _before: dict[str, float | None] = field(default_factory=dict)

    def start(self) -> None:
        self._before = {name: _cpu(pid) for name, pid in self.pids.items()}

    def stop(self) -> dict[str, float | None]:
        """CPU seconds per process since ``start``; None for a process not on this machine, or
        one that stopped meanwhile (a shared server restarted by someone else)."""
        after = {name: _cpu(pid) for name, pid in self.pids.items()}
        return {
            name: None if (b := self._before[name]) is None or (a := after[name]) is None else a - b
            for name in self.pids
        }


def _cpu(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        return cpu_seconds(pid)
    except FileNotFoundError:
        return None


def _serve(folder: Path) -> None:
    from rebub.mailbox import LocalMailbox

    with LocalMailbox(folder) as mailbox:
        print(mailbox.port, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


if __name__ == "__main__":
    _serve(Path(sys.argv[1]))
