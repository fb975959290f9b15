"""The desk benchmark at a tiny size, on the real servers: every request answered as expected and
every figure present (no timing is asserted: the machine's speed is what the benchmark reports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.circulation_desk import cycles_per_desk, main


@pytest.mark.integration
def test_one_and_two_desks_lend_and_return_fresh_items(tmp_path: Path) -> None:
    out = tmp_path / "desk.json"
    argv = ["--levels", "1,2", "--cycles", "5", "--rounds", "1", "--shared-store", "--probe", "3"]
    argv += ["--rates", "4", "--rate-seconds", "2"]
    report = main([*argv, "--raw-messages", "50", "--raw-docs", "5", "--json", str(out)])

    assert json.loads(out.read_text())["options"]["levels"] == [1, 2]
    assert [run["desks"] for run in report["runs"]] == [1, 2]
    for run in report["runs"]:
        measured = run["desks"] * cycles_per_desk(5, run["desks"])
        assert run["cycles"] == measured
        assert (run["error_count"], run["errors"]) == (0, [])
        assert {op: len(ms) for op, ms in run["latency_ms"].items()} == {
            "check_out": measured,
            "return": measured,
        }
        assert run["cpu_s"]["service"] > 0
    lines = {line["desks"]: line for line in report["summary"]["levels"]}
    assert set(lines) == {1, 2}
    assert all(line["ops_per_s"] > 0 and line["errors"] == 0 for line in lines.values())
    # Counted in the service's process: a check-out inserts its loan, a return updates it (and
    # gets it back for the relay, findAndModify), and each publishes its events.
    for op, write in (("check_out", "insert"), ("return", "findAndModify")):
        figures = report["round_trips"][op]
        assert (figures["operations"], figures["errors"]) == (3, 0)
        assert figures["store_by_command"][write] >= 1
        assert figures["published"] >= 1
    [rate] = report["open_loop"]
    assert (rate["rate"], rate["errors"]) == (4, 0)
