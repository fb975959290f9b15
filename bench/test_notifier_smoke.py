"""The notifier benchmark runs end to end at a tiny size (no timing asserted: figures are read,
not tested). Run as a child process, as ``make bench`` runs it, against this run's servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rebub.testing.backends import Backends

PROJECT = Path(__file__).resolve().parents[1]


def test_notifier_letters_runs_end_to_end(backends: Backends, tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    env = os.environ | {
        "REBUB_KAFKA_BOOTSTRAP": backends.kafka_bootstrap,
        "REBUB_MONGO_URI": backends.mongo_uri,
    }
    command = [sys.executable, "-m", "bench.notifier_letters", "--loans", "200", "--due", "20"]
    command += ["--runs", "1", "--raw-messages", "50", "--raw-docs", "5", "--json", str(out)]

    done = subprocess.run(
        command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["compute_only"]["due_loans"] == 20
    (run,) = report["passes"]
    assert run["letters"] == report["compute_only"]["letters"] > 0
    assert run["states"] == {"sent": run["letters"]}
    assert run["emails"] + run["printed"] == run["letters"]
    assert run["emails_received_total"] == run["emails"]
    assert "ms/letter" in done.stdout
    # Counted in the service: each letter's LetterSent is published once; a pass with nothing
    # due sends nothing.
    assert run["counts_per_letter"]["published"] == 1
    assert report["idle_pass"]["states"] == {}
    assert "store round trips" in done.stdout
