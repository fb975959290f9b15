"""The generated read-only KafkaUser of a subscribing service is a valid Strimzi KafkaUser."""

from __future__ import annotations

from pathlib import Path

import yaml

from rebub.deploy.schemas import Schema
from rebub.deploy.validate import problems

from .conftest import K8S


def test_the_subscriber_template_is_a_valid_kafka_user(
    crds: dict[tuple[str, str], Schema],
) -> None:
    path: Path = K8S / "subscribers" / "generated" / "subscriber-kafka-user.yaml"
    (user,) = list(yaml.safe_load_all(path.read_text()))
    assert user["kind"] == "KafkaUser"
    assert problems(user, crds) == []
    topics = {
        (a["resource"]["name"], a["resource"]["patternType"], tuple(a["operations"]))
        for a in user["spec"]["authorization"]["acls"]
        if a["resource"]["type"] == "topic"
    }
    assert topics == {  # the state to start from, the events to follow: read only, exactly
        ("ub.circulation.loan.v1", "literal", ("Read",)),
        ("ub.circulation.loan-state.v1", "literal", ("Read",)),
    }
