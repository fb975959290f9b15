"""A service started for another institution with its own credentials: refused at start by the
runtime's check, and (check bypassed) by the broker itself."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError
from pydantic import SecretStr

from rebub.infra.kafka import LocalKafka
from rebub.testing.plugin import Namespace
from rebub_shared.messaging import KafkaIdentityError, consumer_options, make_broker
from rebub_shared.runtime import build_runtime, running
from rebub_shared.settings import KafkaSettings, ServiceSettings
from rebub_shared.topics import Topics

T = Topics()


def _ub_credentials() -> KafkaSettings:
    return KafkaSettings(
        bootstrap="127.0.0.1:1",
        security_protocol="SASL_PLAINTEXT",
        username="ub",
        password=SecretStr("ub's password"),
    )


def test_a_service_for_bsa_with_ubs_credentials_fails_at_start_naming_both():
    settings = ServiceSettings(tenant="bsa", kafka=_ub_credentials())

    with pytest.raises(KafkaIdentityError) as error:
        build_runtime(settings, "circulation")

    assert str(error.value) == (
        "kafka.username 'ub' cannot serve tenant 'bsa': each institution's services use their "
        "own credentials"
    )


def test_a_service_with_its_own_credentials_or_none_is_wired():
    assert build_runtime(ServiceSettings(tenant="ub", kafka=_ub_credentials()), "notifier")
    assert build_runtime(ServiceSettings(tenant="bsa", kafka=KafkaSettings()), "notifier")


@pytest.mark.integration
@pytest.mark.parametrize(
    ("topic", "group", "refusal"),
    [
        (T.loan("bsa"), "bsa.circulation.main", TopicAuthorizationFailedError),
        (T.loan("ub"), "bsa.circulation.main", GroupAuthorizationFailedError),
    ],
)
async def test_the_broker_refuses_ubs_credentials_on_bsas_topics_and_groups(
    secured_kafka: LocalKafka, topic: str, group: str, refusal: type[Exception]
):
    # The runtime's check bypassed: the services' own broker factory, with ub's credentials.
    broker = make_broker(secured_kafka.client_settings("ub"), client_id="bsa.circulation")

    @broker.subscriber(topic, group_id=group, **consumer_options(fast=True))
    async def handle(body: bytes) -> None:  # never called: the broker refuses first
        raise AssertionError(body)

    try:
        with pytest.raises(refusal):
            await asyncio.wait_for(broker.start(), 30)
        with pytest.raises(TopicAuthorizationFailedError):
            await broker.publish(b"ub writing into bsa", T.loan("bsa"))
    finally:
        await broker.stop()


@pytest.mark.integration
async def test_a_service_with_its_own_credentials_runs_on_the_secured_broker(
    secured_kafka: LocalKafka, namespace: Namespace
):
    settings = ServiceSettings(
        tenant="ub", kafka=secured_kafka.client_settings("ub"), mongo=namespace.mongo()
    )
    runtime = build_runtime(settings, "notifier")
    received: asyncio.Queue[bytes] = asyncio.Queue()

    @runtime.broker.subscriber(
        T.loan("ub"), group_id=T.group("ub", "notifier"), **consumer_options(fast=True)
    )
    async def handle(body: bytes) -> None:
        await received.put(body)

    async with running(runtime):
        loan = f"a ub loan {uuid.uuid4()}".encode()
        # a record of ub's own (consumers refuse one that does not name its tenant and source)
        ub = {"ce_tenant": "ub", "ce_source": "/rebub/ub/circulation"}
        await runtime.broker.publish(loan, T.loan("ub"), headers=ub)
        while (body := await asyncio.wait_for(received.get(), 20)) != loan:
            assert body.startswith(b"ub loan")  # what earlier tests wrote on the same topic
