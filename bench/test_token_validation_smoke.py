"""The token benchmark at a tiny size on the run's provider: every figure present, the key set
fetched once for all the requests (no timing is asserted)."""

from __future__ import annotations

import pytest

from bench.token_validation import main


@pytest.mark.integration
def test_a_few_requests_with_one_key_fetch(
    oidc_issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REBUB_OIDC_ISSUER", oidc_issuer)
    report = main(["--requests", "50"])
    assert report["key_fetches"] == 1
    assert set(report["verify"]) == {"p50_us", "p95_us", "p99_us"}
    assert report["guarded_route"]["p50_us"] > 0
