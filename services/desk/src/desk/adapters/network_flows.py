"""The topic flows of the whole network for the network page (read from the broker alone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rebub_shared.flows import FlowSnapshot, sample_with_rates
from rebub_shared.settings import KafkaSettings


def client_options(kafka: KafkaSettings) -> dict[str, Any]:
    """aiokafka's connection options for the desk's broker credentials."""
    if kafka.security_protocol == "PLAINTEXT":
        return {}
    assert kafka.username
    assert kafka.password
    return {
        "security_protocol": kafka.security_protocol,
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": kafka.username,
        "sasl_plain_password": kafka.password.get_secret_value(),
    }


@dataclass
class FlowReader:
    """Reads the flows; rates are computed against the previous reading."""

    kafka: KafkaSettings
    previous: FlowSnapshot | None = field(default=None, repr=False)

    async def read(self) -> FlowSnapshot:
        snapshot = await sample_with_rates(
            self.kafka.bootstrap,
            prefix=self.kafka.topic_prefix,
            previous=self.previous,
            interval_s=0.5,
            **client_options(self.kafka),
        )
        self.previous = snapshot
        return snapshot
