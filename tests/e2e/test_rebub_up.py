"""`rebub up` runs the whole network on one machine and stops it leaving no process behind."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from rebub.demo.runner import run_demo
from rebub.flows import sample_flows
from rebub.infra import LocalInfra
from rebub.infra.server import port_open
from rebub.mailbox import free_port
from rebub.network import ServiceInstance, network_plan
from rebub.status import gather_status
from rebub.testing.plugin import Namespace
from rebub_shared.tenancy import INSTITUTION_CODES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and not stat.read_text().split(") ", 1)[1].startswith("Z")


def _the_demo_tells_its_story(
    namespace: Namespace, home: Path, monkeypatch: pytest.MonkeyPatch, plan: list[ServiceInstance]
) -> None:
    """The README's main job, small: every step happens and the flows settle with zero lag."""
    monkeypatch.setenv("REBUB_KAFKA_BOOTSTRAP", namespace.backends.kafka_bootstrap)
    monkeypatch.setenv("REBUB_MONGO_URI", namespace.backends.mongo_uri)
    monkeypatch.setenv("REBUB_OIDC_ISSUER", namespace.backends.oidc_issuer)
    infra = LocalInfra.default()
    console = Console(file=io.StringIO(), width=120)
    report = asyncio.run(
        run_demo(
            home,
            infra,
            console,
            plan=plan,
            topics=namespace.topics,
            accounts=60,
            items=40,
            borrowers=2,
        )
    )

    assert {inst: r["received"] for inst, r in report.imports.items()} == dict.fromkeys(
        INSTITUTION_CODES, 60
    )
    assert all(len(r["rejected"]) == 6 for r in report.imports.values())
    assert report.linked == dict.fromkeys(INSTITUTION_CODES, 2)
    assert report.found_in == list(INSTITUTION_CODES)
    assert report.loans == dict.fromkeys(INSTITUTION_CODES, 4)
    assert any(
        line.startswith("inp:") and "borrowing suspended" in line for line in report.late_returns
    )
    assert any(line.startswith("ub:") and "no suspension" in line for line in report.late_returns)
    kinds = {(kind, channel) for (_inst, kind, channel) in report.letters}
    assert {
        ("courtesy", "email"),
        ("reminder", "email"),
        ("recall1", "email"),
        ("recall2", "email"),
        ("recall3", "post"),
    } <= kinds
    assert list((home / "letters").rglob("*.pdf"))
    assert list((home / "mail").glob("*.eml"))

    async def settled() -> dict[str, Any]:
        for _ in range(120):
            flows = (
                await sample_flows(infra.kafka_bootstrap, prefix=namespace.topic_prefix)
            ).as_json()
            if flows["total_lag"] == 0:
                return flows
            await asyncio.sleep(0.5)
        return flows

    flows = asyncio.run(settled())
    by_topic = {t["topic"]: t for t in flows["topics"]}
    assert by_topic[namespace.topics.loan("inp")]["end_offset"] > 0
    assert by_topic[namespace.topics.nz_patron]["end_offset"] > 0
    assert flows["total_lag"] == 0


def test_rebub_up_runs_the_demo_and_ctrl_c_stops_everything(
    namespace: Namespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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
        assert len(status["services"]) == 16
        assert port_open("127.0.0.1", smtp)
        _the_demo_tells_its_story(namespace, tmp_path, monkeypatch, plan)
    finally:
        supervisor.send_signal(signal.SIGINT)
        code = supervisor.wait(timeout=90)

    output = log.read_text()
    started = [int(pid) for pid in re.findall(r"started \(pid (\d+)\)", output)]
    assert code == 0
    assert len(started) == 16
    assert not [pid for pid in started if _pid_alive(pid)]
    assert not [i.name for i in plan if port_open("127.0.0.1", i.port)]
    assert not port_open("127.0.0.1", smtp)
    # one stream, each line tagged with the service and its tenant
    assert re.search(r"^circulation\[inp\] +\| ", output, re.MULTILINE)
    assert re.search(r"^patron-sync\[network\] +\| ", output, re.MULTILINE)
