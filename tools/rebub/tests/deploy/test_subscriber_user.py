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
