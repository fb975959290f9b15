"""The streamed bulk link over HTTP on the real broker and store: 60 network accounts imported,
a stream of 300 NDJSON lines (sent in chunks cut mid-line) linked in batches and answered line
by line, a summary last; a CSV stream; the bounded JSON form untouched."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from patron_sync.entrypoints.link_stream import MAX_LINE_BYTES, NDJSON
from rebub.demo.feeds import write_csv_feed
from rebub.testing.plugin import Namespace

from .conftest import eventually

ACCOUNTS = 60


async def _chunks(body: bytes, size: int = 997) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):  # a prime size: chunks end mid-line
        yield body[start : start + size]


def _report(text: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    *lines, last = [json.loads(line) for line in text.splitlines()]
    return lines, last["summary"]


async def test_a_streamed_link_of_300_lines_reports_each_line_then_a_summary(
    namespace: Namespace, instances: Any, tmp_path: Path
) -> None:
    feed = write_csv_feed(tmp_path / "ub.csv", ACCOUNTS, "ub", seed=5)
    up = await instances("network", "ub")
    (network, _), (ub, ub_service) = up["network"], up["ub"]
    files = {"file": ("ub.csv", feed.path.read_bytes(), "text/csv")}
    assert (await network.post("/imports", params={"source": "ub"}, files=files)).status_code == 200

    async def projected() -> bool:
        return await ub_service.runtime.db["nz_accounts"].count_documents({}) == ACCOUNTS

    import time

    t0 = time.monotonic()
    await eventually(projected)
    print("T projected", time.monotonic() - t0)
    assert (await ub.get("/patrons/UB-0000003")).status_code == 200  # linked before

    known = [f"UB-{n:07d}" for n in range(1, ACCOUNTS + 1)]
    rows = [json.dumps(i) for i in known[:40]]
    rows += ['{"primary_id": "UB-0000041"}', json.dumps("UB-0000005"), "", "$bad", "x" * 3000]
    rows += [json.dumps(i) for i in known[41:]] + [json.dumps(f"NOPE-{n}") for n in range(236)]
    body = ("\n".join(rows) + "\n").encode()
    headers = {"Content-Type": NDJSON}
    answer = await ub.post("/patron-links/stream", content=_chunks(body), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(NDJSON)
    lines, summary = _report(answer.text)

    assert summary == {
        "lines": 300,
        "linked": ACCOUNTS - 1,
        "already_linked": 2,  # UB-0000003 linked before; UB-0000005 twice
        "unknown": 236,
        "invalid": 2,
    }
    assert [line["line"] for line in lines] == sorted(line["line"] for line in lines)
    assert len(lines) == 299  # every line but the blank one
    by_line = {line["line"]: line for line in lines}
    assert (by_line[3]["outcome"], by_line[42]["outcome"]) == ("already_linked", "already_linked")
    assert (by_line[41]["primary_id"], by_line[41]["outcome"]) == ("UB-0000041", "linked")
    assert by_line[44]["outcome"] == by_line[45]["outcome"] == "invalid"
    assert str(MAX_LINE_BYTES) in by_line[45]["error"]
    assert by_line[300] == {"line": 300, "primary_id": "NOPE-235", "outcome": "unknown"}
    assert await ub_service.runtime.db["patrons"].count_documents({}) == ACCOUNTS

    csv_body = b"primary_id,note\nUB-0000010,x\nNOPE-99,y\n"
    again = await ub.post(
        "/patron-links/stream", content=csv_body, headers={"Content-Type": "text/csv"}
    )
    assert [(line["primary_id"], line["outcome"]) for line in _report(again.text)[0]] == [
        ("UB-0000010", "already_linked"),
        ("NOPE-99", "unknown"),
    ]
    wrong = await ub.post("/patron-links/stream", json={"primary_ids": ["UB-0000010"]})
    assert wrong.status_code == 415
    assert (await ub.post("/patron-links/stream")).status_code == 415  # no body
    bounded = await ub.post("/patron-links", json={"primary_ids": ["UB-0000010"]})
    assert bounded.json()["already_linked"] == ["UB-0000010"]
