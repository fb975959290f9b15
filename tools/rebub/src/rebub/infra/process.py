"""Background server processes with pid files: start detached, tell whether they run, stop them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from rebub_shared.private_files import PRIVATE_UMASK, open_private, private_dir, write_private


def read_pid(pid_file: Path) -> int | None:
    """The pid of a live process recorded in ``pid_file``, or None (a stale file is removed)."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return None
    except PermissionError:
        return pid
    if _is_zombie(pid):
        pid_file.unlink(missing_ok=True)
        return None
    return pid


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return False


def start_detached(
    command: Sequence[str],
    *,
    pid_file: Path,
    log_file: Path,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> int:
    """Start ``command`` in its own session (it outlives this process) and record its pid.

    The server runs under umask 077: every file it creates (data, logs) is private."""
    private_dir(log_file.parent)
    with os.fdopen(open_private(log_file, append=True), "ab") as log:
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            umask=PRIVATE_UMASK,
        )
    write_private(pid_file, str(proc.pid))
    return proc.pid


def stop(pid_file: Path, *, timeout_s: float = 20.0) -> bool:
    """Stop the recorded process with SIGTERM (SIGKILL after ``timeout_s``). True if one was running."""
    pid = read_pid(pid_file)
    if pid is None:
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if read_pid(pid_file) is None:
            break
        time.sleep(0.1)
    else:
        _signal_group(pid, signal.SIGKILL)
        time.sleep(0.2)
    _reap(pid)
    pid_file.unlink(missing_ok=True)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _reap(pid: int) -> None:
    # When this process started the server, collect its exit status so no zombie stays behind.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
