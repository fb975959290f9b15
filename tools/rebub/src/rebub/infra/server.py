"""What the local servers have in common: a cached preparation, a detached process, readiness."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from rebub.infra import process
from rebub.infra.paths import InfraPaths, fingerprint


class InfraError(RuntimeError):
    """The local infrastructure cannot start; the message says what to do."""


def require_tool(tool: str, purpose: str, install: str) -> str:
    """The path of ``tool`` or a one-line error saying what to install."""
    path = shutil.which(tool)
    if path is None:
        raise InfraError(f"{tool} is needed {purpose}: install it ({install}) and run again")
    return path


DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"


def maven_copy(pom: Path, into: Path, what: str) -> None:
    """Copy the runtime dependencies of ``pom`` into ``into`` with Maven (a pinned plugin)."""
    mvn = require_tool("mvn", f"to fetch {what}", "apt-get install maven")
    shutil.rmtree(into, ignore_errors=True)
    result = subprocess.run(
        [
            mvn,
            "-B",
            "-q",
            "-f",
            str(pom),
            DEPENDENCY_PLUGIN,
            "-DincludeScope=runtime",
            f"-DoutputDirectory={into}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(f"fetching {what} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def port_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class ServerStatus:
    name: str
    address: str
    running: bool
    managed: bool  # started by rebub (False: given by the environment)
    pid: int | None = None
    detail: str = ""


class LocalServer(ABC):
    """One local server: prepared once (cached by a fingerprint), then started in the background."""

    name: str
    env_override: str  # when this variable is set, that server is used and nothing is started
    host = "127.0.0.1"

    def __init__(self, paths: InfraPaths, port: int) -> None:
        self.paths = paths
        self.port = port
        self.dir = paths.component(self.name)
        self.cache = paths.cached(self.name)
        self.pid_file = self.dir / f"{self.name}.pid"
        self.log_file = self.dir / f"{self.name}.log"

    # -- what each server says -------------------------------------------------------------
    @property
    @abstractmethod
    def address(self) -> str: ...

    @abstractmethod
    def _inputs(self) -> list[Path]:
        """The project files the preparation depends on."""

    @abstractmethod
    def _prepare(self) -> None:
        """Download or build (only called when the cache is missing or stale)."""

    @abstractmethod
    def _command(self) -> list[str]: ...

    @abstractmethod
    def _ready(self) -> bool:
        """A real request to the server answered."""

    # -- the common flow ------------------------------------------------------------------
    @property
    def external(self) -> str | None:
        return os.environ.get(self.env_override) or None

    def prepare(self) -> bool:
        """Download or build unless the cache matches the project's files. True if work was done."""
        stamp = self.cache / "prepared.sha256"
        wanted = fingerprint(*self._inputs())
        if stamp.exists() and stamp.read_text() == wanted:
            return False
        self._prepare()
        stamp.write_text(wanted)
        return True

    def start(self, *, timeout_s: float = 90.0) -> ServerStatus:
        """Start the server unless it runs already; wait until it answers."""
        if self.external:
            return self.status()
        self.launch()
        self._wait_ready(timeout_s)
        return self.status()

    def launch(self) -> None:
        """Start the server's process unless it runs already; do not wait for it."""
        if process.read_pid(self.pid_file) is None:
            if port_open(self.host, self.port):
                raise InfraError(
                    f"{self.name}: port {self.port} is taken by another program; stop it or set "
                    f"{self.env_override} to use that server"
                )
            self.prepare()
            self._before_start()
            process.start_detached(
                self._command(),
                pid_file=self.pid_file,
                log_file=self.log_file,
                cwd=self.dir,
                env=self._env(),
            )

    def _before_start(self) -> None:
        """Hook: one-time setup of the data folder."""

    def _env(self) -> dict[str, str]:
        """Hook: environment variables for the server's process only."""
        return {}

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.read_pid(self.pid_file) is None:
                tail = (
                    self.log_file.read_text(errors="replace")[-2000:]
                    if self.log_file.exists()
                    else ""
                )
                raise InfraError(f"{self.name} stopped while starting; its log ends with:\n{tail}")
            if port_open(self.host, self.port) and self._ready():
                return
            time.sleep(0.2)
        raise InfraError(
            f"{self.name} did not answer on {self.address} within {timeout_s:.0f} s; see {self.log_file}"
        )

    def stop(self) -> bool:
        """Stop the server if rebub started it."""
        return process.stop(self.pid_file)

    def status(self) -> ServerStatus:
        if self.external:
            return ServerStatus(self.name, self.external, self._ready(), managed=False)
        pid = process.read_pid(self.pid_file)
        running = pid is not None and port_open(self.host, self.port) and self._ready()
        return ServerStatus(
            self.name, self.address, running, managed=True, pid=pid, detail=str(self.log_file)
        )
