"""The event catalog is generated from the contracts and never drifts from them."""

from __future__ import annotations

from pathlib import Path

from rebub.catalog import asyncapi_document, write_catalog
from rebub.infra.paths import project_root
from rebub_shared.contracts.catalog import TOPICS
from rebub_shared.contracts.loans import LOAN_EVENTS


def test_committed_catalog_equals_what_the_code_generates(tmp_path: Path) -> None:
    committed = project_root() / "docs" / "events"
    for generated in write_catalog(tmp_path):
        assert (committed / generated.name).read_text() == generated.read_text(), (
            f"docs/events/{generated.name} is stale: run `uv run rebub catalog`"
        )


def test_every_event_type_has_its_channel_and_message() -> None:
    document = asyncapi_document()
    expected = {f"{c.name}:{e.event_type}" for c in TOPICS for e in c.events}
    assert set(document["channels"]) == expected
    assert document["asyncapi"] == "3.0.0"


def test_loan_events_map_onto_alma_webhooks_one_to_one() -> None:
    alma = [e.alma_event for e in LOAN_EVENTS if e.alma_event]
    assert sorted(alma) == sorted(
        [
            "LOAN_CREATED",
            "LOAN_RENEWED",
            "LOAN_DUE_DATE",
            "LOAN_RETURNED",
            "LOAN_LOST",
            "LOAN_CLAIMED_RETURNED",
        ]
    )
