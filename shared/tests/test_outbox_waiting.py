"""The age of a relay's oldest document left to its loop (``rebub_outbox_oldest_pending_seconds``,
the relay-stuck alert)."""

from types import SimpleNamespace
from typing import Any

import pytest

from rebub_shared import outbox
from rebub_shared.outbox import OutboxRelay


def test_the_oldest_document_left_to_the_loop_gives_the_age(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(outbox.time, "monotonic", lambda: now[0])
    collection: Any = SimpleNamespace(name="loans")
    relay = OutboxRelay(collection, broker=None)  # type: ignore[arg-type]  # nothing is sent
    assert relay.oldest_unsent_s == 0.0
    relay.later(["L-1"])
    now[0] = 1030.0
    relay.later(["L-2", "L-1"])  # L-1 keeps the time it was first left
    now[0] = 1100.0
    assert relay.oldest_unsent_s == 100.0
