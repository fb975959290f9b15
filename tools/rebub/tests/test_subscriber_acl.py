"""A subscribing service's KafkaUser is read-only: its institution's loan events, its compacted
loan state and its own consumer groups, nothing of another institution, no Write."""

from __future__ import annotations

from rebub.deploy.acl import subscriber_acls
from rebub.deploy.manifests import subscriber_kafka_user


def test_a_subscriber_reads_its_institution_s_loans_and_writes_nothing() -> None:
    rules = {
        (a.resource_type, a.pattern_type, a.name): a.operations
        for a in subscriber_acls("ub", "portal")
    }
    assert rules == {
        ("topic", "literal", "ub.circulation.loan.v1"): ("Read",),
        ("topic", "literal", "ub.circulation.loan-state.v1"): ("Read",),
        ("group", "prefix", "ub.subscriber.portal."): ("Read",),
    }


def test_the_kafka_user_carries_those_rules() -> None:
    user = subscriber_kafka_user("portal", "ubm")
    acls = user["spec"]["authorization"]["acls"]
    assert user["metadata"]["name"] == "ubm-subscriber-portal"
    assert {op for a in acls for op in a["operations"]} == {"Read"}
    assert [a["resource"]["name"] for a in acls] == [
        "ubm.circulation.loan.v1",
        "ubm.circulation.loan-state.v1",
        "ubm.subscriber.portal.",
    ]
