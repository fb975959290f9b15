"""Tenant isolation enforced by a real broker: SASL/SCRAM users and the ACLs of ``acl_tuples()``
(each tenant's user reaches the topics and groups its services declare, nothing more).

Clients are aiokafka's, as in the services. Each test names the institution and the topic it tries.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

from rebub.deploy.acl import OBSERVER, acl_tuples
from rebub.deploy.services import service_topologies
from rebub.infra.kafka import LocalKafka
from rebub.infra.kafka_admin import KafkaAdmin, call
from rebub.infra.kafka_security import sync_acls
from rebub_shared.flows import sample_flows
from rebub_shared.tenancy import NETWORK, institution_codes
from rebub_shared.topic_table import dead_letter_topics
from rebub_shared.topics import Topics

pytestmark = pytest.mark.integration
T = Topics()
NET_TOPICS = (T.loan_activity, T.external_reader)


@asynccontextmanager
async def producer(kafka: LocalKafka, user: str) -> AsyncIterator[AIOKafkaProducer]:
    client = AIOKafkaProducer(
        bootstrap_servers=kafka.address, request_timeout_ms=10000, **kafka.client_options(user)
    )
    await client.start()
    try:
        yield client
    finally:
        await client.stop()


async def consume(
    kafka: LocalKafka, user: str, topic: str, group: str, until: bytes = b""
) -> list[bytes]:
    """Join ``group`` as ``user`` and read ``topic`` until ``until`` came (or a poll was empty)."""
    client = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.address,
        group_id=group,
        auto_offset_reset="earliest",
        **kafka.client_options(user),
    )
    try:
        await client.start()
        values: list[bytes] = []
        while not values or (until and until not in values):
            batches = await client.getmany(timeout_ms=5000)
            if not batches:
                break
            values += [r.value or b"" for records in batches.values() for r in records]
        await client.commit()
        return values
    finally:
        await client.stop()


async def read_back(kafka: LocalKafka, user: str, topic: str, partition: int, offset: int) -> bytes:
    """Read one record as ``user`` at a known position (no consumer group)."""
    client = AIOKafkaConsumer(bootstrap_servers=kafka.address, **kafka.client_options(user))
    await client.start()
    try:
        tp = TopicPartition(topic, partition)
        client.assign([tp])
        client.seek(tp, offset)
        record = await client.getone()
        return record.value or b""
    finally:
        await client.stop()


async def test_the_broker_holds_exactly_the_acls_of_the_one_definition(
    secured_kafka: LocalKafka,
) -> None:
    async def resync(admin: KafkaAdmin) -> list[tuple[int, int]]:
        # Nothing to create or delete: the start applied every rule of acl_tuples() and no other.
        return [
            await sync_acls(admin, acl_tuples()),
            await sync_acls(admin, acl_tuples()[1:]),  # an extra rule is removed...
            await sync_acls(admin, acl_tuples()),  # ...and a missing one created
        ]

    address, options = secured_kafka.address, secured_kafka.client_options()
    assert await asyncio.to_thread(call, address, options, resync) == [(0, 0), (0, 1), (1, 0)]


@pytest.mark.parametrize(
    "topic", [T.loan("bsa"), T.patron("bsa"), T.dead_letter(T.nz_patron, "bsa")]
)
async def test_ub_cannot_write_bsa_topics(secured_kafka: LocalKafka, topic: str):
    async with producer(secured_kafka, "ub") as ub:
        with pytest.raises(TopicAuthorizationFailedError):
            await ub.send_and_wait(topic, b"ub writing into bsa")


async def test_ub_cannot_read_bsa_topics(secured_kafka: LocalKafka):
    async with producer(secured_kafka, "bsa") as bsa:
        await bsa.send_and_wait(T.loan("bsa"), b"a bsa loan")

    with pytest.raises(TopicAuthorizationFailedError):
        await consume(secured_kafka, "ub", T.loan("bsa"), T.group("ub", "notifier"))


async def test_ub_cannot_join_bsa_consumer_groups(secured_kafka: LocalKafka):
    # Even on ub's own topic: the group is bsa's, so its offsets are not ub's to read or move.
    with pytest.raises(GroupAuthorizationFailedError):
        await consume(secured_kafka, "ub", T.loan("ub"), T.group("bsa", "notifier"))


async def test_ub_reads_and_writes_its_own_topics_in_its_own_groups(secured_kafka: LocalKafka):
    body = f"ub loan {uuid.uuid4()}".encode()
    async with producer(secured_kafka, "ub") as ub:
        await ub.send_and_wait(T.loan("ub"), body, partition=0)

    # The group the notifier really uses: a tenant's user may join its services' groups only.
    group = T.group("ub", "notifier")
    assert body in await consume(secured_kafka, "ub", T.loan("ub"), group, until=body)


async def test_ub_cannot_join_a_group_its_services_do_not_use(secured_kafka: LocalKafka):
    with pytest.raises(GroupAuthorizationFailedError):
        await consume(secured_kafka, "ub", T.loan("ub"), f"ub.notifier.{uuid.uuid4().hex[:6]}")


async def test_ub_reads_back_its_own_dead_letters_but_not_ubms_nor_a_topic_no_ub_service_reads(
    secured_kafka: LocalKafka,
):
    """ub's services read their dead letters back (an erasure tombstones the person's)."""
    dead = T.dead_letter(T.nz_patron, "ub")
    async with producer(secured_kafka, "ub") as ub:
        # Keyed: a dead-letter topic is compacted too (each dead letter has its own key).
        sent = await ub.send_and_wait(dead, b"a record ub could not process", key=b"dlq/a")
        letter = await ub.send_and_wait(T.letter("ub"), b"a letter sent")
    assert await read_back(secured_kafka, "ub", dead, sent.partition, sent.offset)
    async with producer(secured_kafka, "ubm") as ubm:
        theirs = await ubm.send_and_wait(T.dead_letter(T.nz_patron, "ubm"), b"ubm's", key=b"dlq/b")
    assert theirs.offset >= 0
    # ubm's: ub may not even describe it. Subscribed (in a group of ub's), that is refused at
    # once; assigned by position, aiokafka would only log the refused metadata and wait.
    with pytest.raises(TopicAuthorizationFailedError):
        await consume(
            secured_kafka, "ub", T.dead_letter(T.nz_patron, "ubm"), T.group("ub", "notifier")
        )
    # ub's letters: ub writes them (so may describe), but no ub service reads them.
    with pytest.raises(TopicAuthorizationFailedError):
        await read_back(secured_kafka, "ub", T.letter("ub"), letter.partition, letter.offset)


@pytest.mark.parametrize("inst", institution_codes())
async def test_every_institution_reads_the_nz_topic_and_only_the_network_writes_it(
    secured_kafka: LocalKafka, inst: str
):
    account = f"NZ account for {inst} {uuid.uuid4()}".encode()
    async with producer(secured_kafka, NETWORK) as network:
        await network.send_and_wait(T.nz_patron, account, key=inst.encode())

    group = T.group(inst, "patron-sync", "nz-patron")  # type: ignore[arg-type]
    assert account in await consume(secured_kafka, inst, T.nz_patron, group, until=account)
    async with producer(secured_kafka, inst) as institution:
        with pytest.raises(TopicAuthorizationFailedError):
            await institution.send_and_wait(T.nz_patron, b"an institution's NZ account")


async def test_the_network_user_does_not_reach_institution_topics(secured_kafka: LocalKafka):
    async with producer(secured_kafka, NETWORK) as network:
        with pytest.raises(TopicAuthorizationFailedError):
            await network.send_and_wait(T.patron("ub"), b"the NZ writing into ub")


@pytest.mark.parametrize("inst", institution_codes())
async def test_every_institution_writes_and_reads_the_net_topics_it_publishes(
    secured_kafka: LocalKafka, inst: str
):
    for topic in NET_TOPICS:
        body = f"{inst} on {topic} {uuid.uuid4()}".encode()
        async with producer(secured_kafka, inst) as institution:
            sent = await institution.send_and_wait(topic, body, key=inst.encode())
        assert await read_back(secured_kafka, inst, topic, sent.partition, sent.offset) == body


@pytest.mark.parametrize("tenant", ["ub", NETWORK])
async def test_a_tenants_user_may_do_all_its_services_declare(secured_kafka: LocalKafka, tenant):
    """Literal rules suffice: every declared group joins and reads its topics, every published
    topic and dead-letter topic takes a record (what the services do, with the tenant's user)."""
    for instance in [s for s in service_topologies(T) if s.tenant == tenant]:
        for consumption in instance.consumes:
            client = AIOKafkaConsumer(
                *consumption.topics,
                bootstrap_servers=secured_kafka.address,
                group_id=consumption.group,
                auto_offset_reset="latest",
                **secured_kafka.client_options(tenant),
            )
            await client.start()
            try:
                await client.getmany(timeout_ms=2000)
                await client.commit()
            finally:
                await client.stop()
        async with producer(secured_kafka, tenant) as writer:
            for topic in (*instance.topics_written, *dead_letter_topics(instance, T)):
                value = f"{tenant} declared {topic}".encode()  # keyed: some are compacted
                await writer.send_and_wait(topic, value, key=tenant.encode())


async def test_the_network_observer_sees_every_institutions_flows_and_reads_no_record(
    secured_kafka: LocalKafka,
):
    """The network team's desk: end offsets and lag of every institution's topics and groups
    (Describe on ``*``), never a record's payload, nothing written."""
    for inst in ("ub", "bsa"):
        async with producer(secured_kafka, inst) as institution:
            await institution.send_and_wait(T.loan(inst), f"a {inst} loan".encode(), partition=0)
    await consume(
        secured_kafka, "bsa", T.loan("bsa"), T.group("bsa", "notifier"), until=b"a bsa loan"
    )

    observer = secured_kafka.client_options(OBSERVER)
    snapshot = await sample_flows(secured_kafka.address, **observer)
    seen = {t.topic: t for t in snapshot.topics}
    assert seen[T.loan("ub")].end_offset >= 1
    assert seen[T.loan("bsa")].end_offset >= 1
    assert T.group("bsa", "notifier") in {g.group for g in seen[T.loan("bsa")].groups}
    with pytest.raises(TopicAuthorizationFailedError):
        await read_back(secured_kafka, OBSERVER, T.loan("ub"), 0, 0)
    async with producer(secured_kafka, OBSERVER) as writer:
        with pytest.raises(TopicAuthorizationFailedError):
            await writer.send_and_wait(T.loan("ub"), b"the observer writing")
