"""Which tenant may write on which topic, and data that must agree with its envelope."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import EventRegistry, InvalidEventError, new_event
from rebub_shared.contracts.loans import LoanActivitySummary
from rebub_shared.provenance import provenance_error
from rebub_shared.topics import Topics

TOPICS = Topics("t1.")
CLOCK = MovableClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


def _headers(tenant: str, source: str | None = None) -> dict[str, bytes]:
    return {"ce_tenant": tenant.encode(), "ce_source": (source or f"/rebub/{tenant}/x").encode()}


@pytest.mark.parametrize(
    ("topic", "tenant"),
    [
        ("t1.ub.patron.v1", "ub"),
        ("t1.scpo.circulation.loan.v1", "scpo"),
        ("t1.nz.patron.v1", "network"),
        ("t1.net.loan-activity.v1", "bsa"),
        ("t1.net.external-reader.v1", "ubm"),
    ],
)
def test_the_owner_of_a_topic_may_write_on_it(topic: str, tenant: str) -> None:
    assert provenance_error(TOPICS, topic, _headers(tenant)) is None


@pytest.mark.parametrize(
    ("topic", "headers", "reason"),
    [
        ("t1.ub.patron.v1", _headers("scpo"), "ce_tenant: 'scpo' may not write on ub.patron.v1"),
        ("t1.nz.patron.v1", _headers("ub"), "ce_tenant: 'ub' may not write on nz.patron.v1"),
        ("t1.net.loan-activity.v1", _headers("network"), "'network' may not write on net."),
        ("t1.ub.patron.v1", {}, "ce_tenant: missing on ub.patron.v1"),
        (
            "t1.ub.patron.v1",
            _headers("ub", "/rebub/scpo/patron-sync"),
            "ce_source: '/rebub/scpo/patron-sync' does not name ce_tenant 'ub'",
        ),
    ],
)
def test_another_tenant_or_a_source_that_does_not_name_it_is_refused(
    topic: str, headers: dict[str, bytes], reason: str
) -> None:
    error = provenance_error(TOPICS, topic, headers)
    assert error is not None
    assert reason in error


def test_topics_outside_the_families_have_no_rule() -> None:
    assert provenance_error(TOPICS, "t1.other.v1", {}) is None


def test_a_loan_summary_whose_institution_is_not_its_tenant_is_invalid() -> None:
    summary = LoanActivitySummary(
        primary_id="P1",
        institution="ub",
        loan_id="L1",
        title="Les Misérables",
        due_date=datetime(2026, 12, 15, 23, 0, tzinfo=UTC),
        status="active",
        version=1,
    )
    registry = EventRegistry(LoanActivitySummary)
    for tenant, valid in (("ub", True), ("bsa", False)):
        event = new_event(
            summary, source=f"/rebub/{tenant}/circulation", tenant=tenant, subject="P1",
            clock=CLOCK,
        )  # fmt: skip
        body = json.dumps(summary.model_dump(mode="json"))
        if valid:
            assert registry.decode(event.envelope.headers(), body).data == summary
        else:
            with pytest.raises(InvalidEventError, match="written by 'ub' but ce_tenant is 'bsa'"):
                registry.decode(event.envelope.headers(), body)
