"""``rebub privacy erase``: the requests it sends with the officer's token, the status it waits
for and prints, a refusal's detail; a token of another institution refused before any request.
The network zone's answers are played by an ``httpx.MockTransport`` shaped as the API's (the
API itself is tested in patron-sync's ``test_erasure.py``)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from rebub.cli import app
from rebub.privacy_erase import (
    ErasureError,
    render_status,
    request_erasure,
    wait_for_status,
)

PENDING = {"state": "pending"}
DONE = {"state": "done", "applied_at": "2026-11-30T10:00:00Z", "accounts": 1, "done": "removed"}


def _status(complete: bool) -> dict[str, Any]:
    notifier = DONE if complete else PENDING
    return {
        "request_id": "r1",
        "source": "ub",
        "erased_at": "2026-11-30T10:00:00Z",
        "network": "account removed",
        "institutions": {
            "ub": {"patron-sync": DONE, "circulation": DONE, "notifier": notifier},
            "ubm": {"patron-sync": DONE, "circulation": {"state": "nothing held"}},
        },
        "complete": complete,
    }


def test_the_request_then_the_status_until_complete() -> None:
    seen: list[tuple[str, str, str | None]] = []
    answers = iter([_status(False), _status(True)])

    def network_zone(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.headers.get("Authorization")))
        if request.method == "POST":
            assert json.loads(request.content) == {"primary_id": "UB-1"}
            return httpx.Response(201, json={"request_id": "r1", "source": "ub"})
        return httpx.Response(200, json=next(answers))

    headers = {"Authorization": "Bearer officer"}
    with httpx.Client(
        transport=httpx.MockTransport(network_zone), base_url="http://nz", headers=headers
    ) as client:
        assert request_erasure(client, "UB-1")["request_id"] == "r1"
        status = wait_for_status(client, "r1", wait_s=60, sleep=lambda _: None)
    assert status["complete"] is True
    assert seen == [
        ("POST", "/erasures", "Bearer officer"),
        ("GET", "/erasures/r1", "Bearer officer"),
        ("GET", "/erasures/r1", "Bearer officer"),
    ]
    text = render_status(status)
    assert "  ub    notifier     done: removed" in text
    assert "  ubm   circulation  nothing held" in text
    assert text.endswith("complete")
    assert render_status(_status(False)).endswith("not complete yet (run it again later)")


def test_a_refusal_carries_the_problems_detail() -> None:
    def network_zone(request: httpx.Request) -> httpx.Response:
        problem = {"title": "Not Found", "detail": "'UB-1' not an account of ub"}
        return httpx.Response(404, json=problem)

    with (
        httpx.Client(transport=httpx.MockTransport(network_zone), base_url="http://nz") as client,
        pytest.raises(ErasureError, match="404 'UB-1' not an account of ub"),
    ):
        request_erasure(client, "UB-1")


def test_a_token_of_another_institution_is_refused_before_any_request() -> None:
    payload = base64.urlsafe_b64encode(json.dumps({"institution": "ubm"}).encode()).decode()
    token = f"h.{payload.rstrip('=')}.s"
    # Nothing listens on port 9: a request would fail differently.
    options = ["--source", "ub", "--token", token, "--url", "http://127.0.0.1:9"]
    answer = CliRunner().invoke(app, ["privacy", "erase", "UB-1", *options])
    assert answer.exit_code == 1
    assert "the token acts for 'ubm', not for 'ub'" in answer.output
