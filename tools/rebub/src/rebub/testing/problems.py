"""The error contract's probes, as a careless or hostile client sends them (issue 13): every answer
must be a small RFC 9457 problem. Each service's tests run them on one of its write routes and
then check that nothing was written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

PROBLEM_JSON = "application/problem+json"
#: An answer to bad input never grows with the request: a few KB at most.
SMALL_ANSWER_BYTES = 8 * 1024


def assert_problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    """``answer`` is a small problem of ``status``; its body is returned."""
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"] == PROBLEM_JSON, answer.headers
    assert len(answer.content) <= SMALL_ANSWER_BYTES, len(answer.content)
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


async def _chunks(total: int, size: int = 1 << 20) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


async def probe_framework_errors(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], string_field: str
) -> None:
    """The framework's own errors on ``path`` (a JSON POST route taking ``body``): wrong media
    type 415, malformed JSON 400, 50 MB 413 (declared and streamed), a lone surrogate in
    ``string_field`` 422, unknown route 404, wrong method 405 with ``Allow``."""
    text = json.dumps(body)
    assert_problem(
        await client.post(path, content=text, headers={"content-type": "text/plain"}), 415
    )
    assert_problem(
        await client.post(path, content=b"{not json", headers={"content-type": "application/json"}),
        400,
    )
    huge = b"[" + b"1," * (25 * 1024 * 1024) + b"1]"
    assert_problem(
        await client.post(path, content=huge, headers={"content-type": "application/json"}), 413
    )
    streamed = await client.post(
        path, content=_chunks(50 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert_problem(streamed, 413)
    surrogate = json.dumps(body | {string_field: "@"}).replace('"@"', '"A\\ud800"')
    refused = assert_problem(
        await client.post(path, content=surrogate, headers={"content-type": "application/json"}),
        422,
    )
    assert [e["field"] for e in refused["errors"]] == [string_field]
    missing = assert_problem(await client.get("/no/such/route"), 404)
    assert missing["instance"] == "/no/such/route"
    wrong = await client.request("PATCH", path, json=body)
    assert_problem(wrong, 405)
    assert "POST" in wrong.headers["allow"]
