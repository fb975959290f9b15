"""`rebub up` hands every instance the OIDC provider it trusts, in that service's settings group."""

from __future__ import annotations

from pathlib import Path

from rebub.network import network_plan

ISSUER = "http://127.0.0.1:8180/realms/rebub"


def test_every_instance_gets_the_issuer_under_its_own_prefix() -> None:
    for instance in network_plan(8100):
        env = instance.environment(
            kafka="k:9092", mongo="mongodb://m", smtp_port=2525, home=Path("/h"), issuer=ISSUER
        )
        assert env[f"{instance.env_prefix}AUTH__ISSUER"] == ISSUER
        assert instance.env_prefix in {
            "REBUB_PATRON_SYNC__",
            "REBUB_CIRCULATION__",
            "REBUB_NOTIFIER__",
            "REBUB_DESK__",
        }


def test_without_a_provider_no_issuer_is_set() -> None:
    (instance, *_) = network_plan(8100)

    env = instance.environment(kafka="k:9092", mongo="mongodb://m", smtp_port=2525, home=Path("/h"))

    assert not [name for name in env if "AUTH__" in name]
