"""``rebub privacy erase``: a privacy officer's erasure request (GDPR article 17) sent to the
network zone's patron-sync, then its status (what is done where) read until complete or the
wait is over. The command holds no store credential: it acts with the officer's token, as the
API would for anyone."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


class ErasureError(RuntimeError):
    """The network zone refused the request; the message carries its problem's detail."""


def _checked(answer: httpx.Response, what: str) -> dict[str, Any]:
    if answer.is_success:
        body: dict[str, Any] = answer.json()
        return body
    try:
        detail = answer.json().get("detail") or answer.text
    except ValueError:
        detail = answer.text[:200]
    raise ErasureError(f"{what}: {answer.status_code} {detail}")


def request_erasure(client: httpx.Client, primary_id: str) -> dict[str, Any]:
    """``POST /erasures``: the network zone's answer (request id, what it did)."""
    return _checked(client.post("/erasures", json={"primary_id": primary_id}), "erasure refused")


def erasure_status(client: httpx.Client, request_id: str) -> dict[str, Any]:
    """``GET /erasures/{request_id}``: done, pending or nothing held, service by service."""
    return _checked(client.get(f"/erasures/{request_id}"), "no status")


def wait_for_status(
    client: httpx.Client,
    request_id: str,
    wait_s: float,
    every_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The status once complete, or as it stands after ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        status = erasure_status(client, request_id)
        if status["complete"] or time.monotonic() >= deadline:
            return status
        sleep(every_s)


def render_status(status: dict[str, Any]) -> str:
    """The status as lines: the network zone, then each institution's services."""
    lines = [
        f"erasure {status['request_id']} (source {status['source']}, {status['erased_at']})",
        f"  network zone: {status['network']}",
    ]
    for inst, services in status["institutions"].items():
        for service, state in services.items():
            done = f": {state['done']}" if "done" in state else ""
            lines.append(f"  {inst:5} {service:12} {state['state']}{done}")
    lines.append("complete" if status["complete"] else "not complete yet (run it again later)")
    return "\n".join(lines)
