"""The desk's screen benchmark at a tiny size, sessions in the run's store as deployed: every
figure present and the scans answered (no timing is asserted)."""

from __future__ import annotations

import pytest

from bench.desk_screens import main
from rebub.testing.backends import Backends


@pytest.mark.integration
def test_a_page_and_a_few_scans_with_sessions_in_the_store(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REBUB_MONGO_URI", backends.mongo_uri)
    report = main(["--pages", "1", "--scans", "5"])
    assert report["sessions"] == "store"
    assert set(report["first_screen"]) == {"response", "dom", "load"}
    assert set(report["scans"]) == {"check-out", "return"}
    assert report["scans"]["return"]["desk"]["p50"] > 0
