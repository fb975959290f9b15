"""``rebub up``: runs the whole network in the foreground, one log stream, clean stop.

The supervisor starts the local infrastructure (unless it runs already; Keycloak's issuer is given
to every instance as ``<PREFIX>AUTH__ISSUER``), a local SMTP server that
stores mail in a folder, and every service instance of ``network_plan`` as a child process. Each
child's output is copied to one stream, each line tagged with the service and its tenant. SIGINT or
SIGTERM (Ctrl-C, or ``rebub down`` from another terminal) stops the children, then the SMTP server,
then the servers it started, and leaves no process behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from rebub.deploy.acl import OBSERVER
from rebub.infra import LocalInfra
from rebub.infra.process import read_pid
from rebub.mailbox import LocalMailbox
from rebub.network import ServiceInstance, desks_line, network_plan, smtp_port
from rebub.testing.realm_users import RealmAdminError, add_desk_clients
from rebub_shared.private_files import private_dir, write_private


@dataclass
class Child:
    instance: ServiceInstance
    process: subprocess.Popen[bytes]
    reader: threading.Thread
    restarts: int = 0


#: How many times a child that exits by itself is started again (as the platform would).
MAX_RESTARTS = 5


@dataclass
class Supervisor:
    home: Path
    infra: LocalInfra
    plan: list[ServiceInstance] = field(default_factory=network_plan)
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    children: list[Child] = field(default_factory=list)
    mailbox: LocalMailbox | None = None
    started_infra: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "supervisor.pid"

    @property
    def mail_dir(self) -> Path:
        return self.home / "mail"

    def say(self, tag: str, line: str) -> None:
        with self._lock:
            self.out.write(f"{tag:24} | {line.rstrip()}\n")
            self.out.flush()

    def start(self) -> None:
        """Start everything; return once every child was launched."""
        write_private(private_dir(self.pid_file.parent) / self.pid_file.name, str(os.getpid()))
        before = {s.name for s in self.infra.status() if s.running}
        for status in self.infra.up():
            self.say("infra", f"{status.name} ready at {status.address}")
        self.started_infra = [s.name for s in self.infra.servers if s.name not in before]
        self._desk_clients()
        self.mailbox = LocalMailbox(self.mail_dir, port=smtp_port()).start()
        self.say(
            "smtp", f"listening on 127.0.0.1:{self.mailbox.port}, mail kept in {self.mail_dir}"
        )
        for instance in self.plan:
            self.children.append(self._spawn(instance))

    def _desk_clients(self) -> None:
        """The web desks' OIDC clients, in a provider started before the realm had them (one
        started now imports them with the realm); through the development admin account."""
        if self.infra.keycloak is None:
            return
        try:
            add_desk_clients(self.infra.oidc_issuer)
        except (RealmAdminError, httpx.HTTPError) as error:
            self.say("infra", f"the web desks' clients could not be added: {error}")

    def _spawn(self, instance: ServiceInstance) -> Child:
        env = os.environ | instance.environment(
            kafka=self.infra.kafka_bootstrap,
            mongo=self.infra.mongo_uri,
            smtp_port=smtp_port(),
            home=self.home,
            issuer=self.infra.oidc_issuer if self.infra.keycloak else None,
        )
        kafka = self.infra.kafka
        if kafka.secure and not kafka.external:  # each instance logs in as its own tenant
            p = instance.env_prefix
            # the desks read the broker for the network page only: as the read-only observer
            user = OBSERVER if instance.service == "desk" else instance.tenant
            env |= {
                f"{p}KAFKA__SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                f"{p}KAFKA__USERNAME": user,
                f"{p}KAFKA__PASSWORD": kafka.credentials.password(user),
            }
        process = subprocess.Popen(
            [sys.executable, "-m", instance.module],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the supervisor only, which stops them in order
        )
        reader = threading.Thread(target=self._copy, args=(instance, process), daemon=True)
        reader.start()
        self.say(instance.name, f"started (pid {process.pid}) on {instance.url}")
        return Child(instance, process, reader)

    def _copy(self, instance: ServiceInstance, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.say(instance.name, raw.decode("utf-8", errors="replace"))

    def revive(self) -> None:
        """Start again each child that exited by itself, at most :data:`MAX_RESTARTS` times: on
        a busy machine a service may give up its start (its topic check is bounded), and the
        platform would start it again too."""
        for index, child in enumerate(self.children):
            code = child.process.poll()
            if code is None or child.restarts >= MAX_RESTARTS:
                continue
            attempt = child.restarts + 1
            self.say(
                child.instance.name,
                f"exited with code {code}; starting it again ({attempt} of {MAX_RESTARTS})",
            )
            child.reader.join(timeout=2)
            self.children[index] = self._spawn(child.instance)
            self.children[index].restarts = attempt

    def wait_ready(self, timeout_s: float = 120.0) -> list[str]:
        """Wait until every instance answers ``/ready``; return those that did not."""
        deadline = time.monotonic() + timeout_s
        pending = {c.instance.name for c in self.children}
        with httpx.Client(timeout=2.0) as client:
            while pending and time.monotonic() < deadline:
                self.revive()
                for child in self.children:
                    if child.instance.name not in pending or child.process.poll() is not None:
                        continue
                    try:
                        if client.get(f"{child.instance.url}/ready").status_code == 200:
                            pending.discard(child.instance.name)
                    except httpx.HTTPError:
                        pass
                time.sleep(0.5)
        return sorted(pending)

    def stop(self) -> None:
        """Stop the children (SIGTERM, then SIGKILL), the SMTP server, and the servers it started."""
        for child in self.children:
            _signal(child.process, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in self.children:
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                _signal(child.process, signal.SIGKILL)
                child.process.wait()
            child.reader.join(timeout=2)
            self.say(child.instance.name, f"stopped (code {child.process.returncode})")
        if self.mailbox:
            self.mailbox.stop()
        for server in self.infra.servers:
            if server.name in self.started_infra and server.stop():
                self.say("infra", f"{server.name} stopped")
        self.pid_file.unlink(missing_ok=True)

    def run_forever(self, on_ready: Callable[[list[str]], None] | None = None) -> int:
        """Start, report readiness, then wait for SIGINT/SIGTERM and stop everything."""
        stopping = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopping.set())
        try:
            self.start()
            not_ready = self.wait_ready()
            self.say("desk", desks_line(self.plan))
            if on_ready:
                on_ready(not_ready)
            while not stopping.is_set():
                stopping.wait(0.5)
                if not stopping.is_set():
                    self.revive()
        finally:
            self.stop()
        return 0


def _signal(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)


def stop_running(home: Path, timeout_s: float = 40.0) -> bool:
    """``rebub down``: ask a running supervisor to stop, and wait until it has."""
    pid_file = home / "run" / "supervisor.pid"
    pid = read_pid(pid_file)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and read_pid(pid_file) is not None:
        time.sleep(0.2)
    return True
