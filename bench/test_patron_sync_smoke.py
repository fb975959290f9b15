"""The patron-sync import benchmark at a tiny size, on the real servers: every linked changed copy
reaches its IZ and every figure is present (no timing is asserted: the machine's speed is what
the benchmark reports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.patron_sync_import import main


@pytest.mark.integration
def test_tiny_feed_reaches_every_linked_copy_in_the_five_izs(tmp_path: Path) -> None:
    out = tmp_path / "import.json"
    argv = ["--accounts", "60", "--changed", "0.1", "--linked", "0.5", "--api-links", "2"]
    argv += ["--idle-seconds", "0.2", "--timeout", "120", "--shared-store"]
    report = main([*argv, "--raw-messages", "50", "--raw-docs", "5", "--json", str(out)])

    assert json.loads(out.read_text())["counts"]["accounts"] == 60
    counts, setup, measured = report["counts"], report["setup"], report["measured"]
    assert counts["changed"] == 6
    assert setup["seeded"] + setup["api_links"] == sum(counts["linked_per_iz"].values()) == 150
    assert set(setup["seeded_read_back"]) == {1}
    assert setup["api_link_failures"] == 0
    assert (measured["report"]["updated"], measured["report"]["unchanged"]) == (6, 54)
    expected = sum(counts["linked_changed_per_iz"].values())
    assert measured["stored_changes"] == expected > 0
    assert report["raw"]["iz_upserts"] == counts["linked_changed_per_iz"]
    assert measured["cpu_s"]["network"] > 0
    assert report["summary"]["time_ratio"] > 0
    # Counted in the IZ processes: each linked changed copy is written and published.
    per_copy = report["summary"]["round_trips"]["izs_per_linked_changed_copy"]
    assert per_copy["store_by_command"]["findAndModify"] >= 1
    assert per_copy["published"] >= 1
