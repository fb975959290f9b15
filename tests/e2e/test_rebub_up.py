"""`rebub up` runs the whole network on one machine and stops it leaving no process behind (the
demo on it: `test_make_run.py`)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rebub.infra import LocalInfra
from rebub.infra.server import port_open
from rebub.mailbox import free_port
from rebub.network import network_plan
from rebub.status import gather_status
from rebub.testing.plugin import Namespace

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and not stat.read_text().split(") ", 1)[1].startswith("Z")


def test_rebub_up_starts_everything_and_ctrl_c_stops_everything(
    namespace: Namespace, tmp_path: Path
) -> None:
    base = 18700
    smtp = free_port()
    env = os.environ | {
        # the run's servers: `rebub up` uses them and starts (and stops) no infrastructure
        "REBUB_KAFKA_BOOTSTRAP": namespace.backends.kafka_bootstrap,
        "REBUB_MONGO_URI": namespace.backends.mongo_uri,
        "REBUB_OIDC_ISSUER": namespace.backends.oidc_issuer,
        "REBUB_HOME": str(tmp_path),
        "REBUB_PORT_BASE": str(base),
        "REBUB_SMTP_PORT": str(smtp),
        # every instance of this test under its own topic and database prefix
        **{
            f"REBUB_{m}__KAFKA__TOPIC_PREFIX": namespace.topic_prefix
            for m in ("PATRON_SYNC", "CIRCULATION", "NOTIFIER")
        },
        **{
            f"REBUB_{m}__MONGO__DATABASE_PREFIX": namespace.database_prefix
            for m in ("PATRON_SYNC", "CIRCULATION", "NOTIFIER")
        },
    }
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "rebub", "up"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    plan = network_plan(base)
    try:
        deadline, status = time.monotonic() + 240, {}
        while time.monotonic() < deadline:
            status = asyncio.run(gather_status(LocalInfra.default(), plan))
            if status["all_ready"] or supervisor.poll() is not None:
                break
            time.sleep(1)
        assert status["all_ready"], (
            f"not ready: {[s['name'] for s in status['services'] if not s['ready']]}\n{log.read_text()[-3000:]}"
        )
        assert len(status["services"]) == 21  # 16 services and 5 web desks
        assert port_open("127.0.0.1", smtp)
    finally:
        supervisor.send_signal(signal.SIGINT)
        code = supervisor.wait(timeout=90)

    output = log.read_text()
    started = [int(pid) for pid in re.findall(r"started \(pid (\d+)\)", output)]
    assert code == 0
    assert len(started) == 21
    assert not [pid for pid in started if _pid_alive(pid)]
    assert not [i.name for i in plan if port_open("127.0.0.1", i.port)]
    assert not port_open("127.0.0.1", smtp)
    # one stream, each line tagged with the service and its tenant
    assert re.search(r"^circulation\[inp\] +\| ", output, re.MULTILINE)
    assert re.search(r"^patron-sync\[network\] +\| ", output, re.MULTILINE)
    # the web desks' addresses, once every service is ready
    assert f"web desks: ub http://127.0.0.1:{base + 13}," in output
