"""The README's main job as a newcomer runs it: `rebub demo` (what `make run` runs) at its default
size starts the network, tells the whole story and exits 0; stopped, the network starts again and
the demo runs a second time while two busy loops compete for the cores (a wait that depends on the
machine's speed fails here rather than on a newcomer's laptop)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rebub.flows import sample_flows
from rebub.mailbox import free_port
from rebub.testing.plugin import Namespace
from rebub_shared.tenancy import institution_codes

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(2400)]

BASE_PORT = 18800
STAGES = ("courtesy by email", "reminder by email", "recall1 by email", "recall2 by email")


@contextmanager
def busy_loops(count: int) -> Iterator[None]:
    """``count`` processes spinning on a core each, for as long as the block runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def _rebub(env: dict[str, str], *args: str, timeout: float) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "rebub", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def _check_the_report(output: str, code: int) -> None:
    """What the README promises: letters of all five stages, the inp suspension, the external
    reader found in five institutions, scpo's desk search finding its own patron."""
    assert code == 0, output[-3000:]
    assert "Traceback" not in output
    letters = re.search(r"letters sent: (.*)", output)
    assert letters, output[-3000:]
    for stage in (*STAGES, "recall3 by post"):
        assert stage in letters.group(1), letters.group(1)
    assert re.search(r"late return, inp: .* borrowing suspended", output), output[-3000:]
    assert re.search(r"late return, ub: .* no suspension", output)
    found = re.search(r"found by barcode in: (.*)", output)
    assert found, output[-3000:]
    assert found.group(1).strip() == ", ".join(institution_codes())
    assert re.search(r"desk search, scpo: .* on page 1 of \d+ matches", output)
    # where staff open the web desks (rebub.network.desks_line), one per institution; the
    # console may wrap the long line
    desks = re.search(r"web desks: (.*?)\(log in as", output, re.DOTALL)
    assert desks, output[-3000:]
    shown = " ".join(desks.group(1).split())
    for code in institution_codes():
        assert re.search(rf"\b{code} http://\S+:\d+", shown), shown
    assert re.search(r"demo finished in \d+ s", output)


def test_make_run_at_default_size_twice_the_second_time_on_a_loaded_machine(
    namespace: Namespace, tmp_path: Path
) -> None:
    env = os.environ | {
        # the run's servers: the network uses them and starts (and stops) no infrastructure
        "REBUB_KAFKA_BOOTSTRAP": namespace.backends.kafka_bootstrap,
        "REBUB_MONGO_URI": namespace.backends.mongo_uri,
        "REBUB_OIDC_ISSUER": namespace.backends.oidc_issuer,
        "REBUB_HOME": str(tmp_path),
        "REBUB_PORT_BASE": str(BASE_PORT),
        "REBUB_SMTP_PORT": str(free_port()),
        # the whole network and the demo under this test's topic and database prefixes
        "REBUB_TOPIC_PREFIX": namespace.topic_prefix,
        "REBUB_DATABASE_PREFIX": namespace.database_prefix,
        "COLUMNS": "200",  # the report's lines unwrapped
    }
    timings: dict[str, float] = {}
    try:
        code, output, timings["quiet"] = _rebub(env, "demo", timeout=900)
        print(
            f"make run, default size, first run: {timings['quiet']:.0f} s"
        )  # the README's measure
        _check_the_report(output, code)
        assert re.search(r"import scpo: received 600, created 594", output), output[-3000:]

        code, output, _ = _rebub(env, "down", timeout=120)
        assert code == 0, output
        assert "network stopped" in output

        with busy_loops(2):
            code, output, timings["loaded"] = _rebub(env, "demo", timeout=1200)
        print(f"make run, default size, loaded: {timings['loaded']:.0f} s")
        _check_the_report(output, code)
        assert re.search(r"import scpo: received 600, created 0, updated 0, unchanged 594", output)
    finally:
        _rebub(env, "down", timeout=120)

    async def lag() -> dict[str, Any]:
        flows = await sample_flows(
            namespace.backends.kafka_bootstrap, prefix=namespace.topic_prefix
        )
        return flows.as_json()

    flows = asyncio.run(lag())
    by_topic = {t["topic"]: t for t in flows["topics"]}
    assert by_topic[namespace.topics.loan("inp")]["end_offset"] > 0
    assert by_topic[namespace.topics.nz_patron]["end_offset"] >= 5 * 594
