"""The event catalog is generated from the contracts and never drifts from them."""

from __future__ import annotations

from pathlib import Path

from rebub.catalog import asyncapi_document, channels, service_asyncapi_document, write_catalog
from rebub.infra.paths import project_root
from rebub_shared.contracts.loans import LOAN_EVENTS
from rebub_shared.topic_table import topic_table


def test_committed_catalog_equals_what_the_code_generates(tmp_path: Path) -> None:
    committed = project_root() / "docs" / "events"
    for generated in write_catalog(tmp_path):
        assert (committed / generated.name).read_text() == generated.read_text(), (
            f"docs/events/{generated.name} is stale: run `uv run rebub catalog`"
        )


def test_every_event_type_has_its_channel_and_message() -> None:
    document = asyncapi_document()
    expected = {f"{s.pattern}:{e.event_type}" for s in topic_table() for e in s.events}
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


def test_each_channel_names_its_publishers_and_readers_from_the_declarations() -> None:
    by_name = {c.name: c for c in channels()}
    assert by_name["net.loan-activity.v1"].publishers == {
        "circulation": "circulation [each institution]"
    }
    (reader,) = by_name["net.loan-activity.v1"].readers
    assert (reader.who, reader.group) == (
        "circulation [each institution]",
        "{inst}.circulation.network-activity",
    )
    assert by_name["nz.patron.v1"].publishers == {"patron-sync": "patron-sync [network]"}
    readers = {(r.who, r.group) for r in by_name["{inst}.patron.v1"].readers}
    assert readers == {
        ("circulation [inst]", "{inst}.circulation.patrons"),
        ("notifier [inst]", "{inst}.notifier.main"),
    }
    assert by_name["{inst}.notifier.letter.v1"].readers == []


def test_a_service_document_reads_only_what_the_service_consumes() -> None:
    channels_of = service_asyncapi_document("patron-sync")["channels"]
    received = {c["address"] for n, c in channels_of.items() if n.endswith(":receive")}
    # The network zone reads the erasure confirmations; the institution zones the other two.
    assert received == {"nz.patron.v1", "net.external-reader.v1", "net.erasure.v1"}
