"""The demo counts the letters sent since it began, by institution, kind and channel, from the
letter topics on the real broker (aiokafka, as everywhere)."""

from __future__ import annotations

import json

from aiokafka import AIOKafkaProducer

from rebub.demo.runner import _count_letters, _letter_offsets
from rebub.testing.plugin import Namespace


async def _send(bootstrap: str, topic: str, *letters: dict[str, str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for letter in letters:
            await producer.send_and_wait(topic, json.dumps(letter).encode())
    finally:
        await producer.stop()


async def test_only_the_letters_sent_since_the_demo_began_are_counted(
    namespace: Namespace,
) -> None:
    bootstrap, topics = namespace.backends.kafka_bootstrap, namespace.topics
    earlier = {"institution": "ub", "kind": "reminder", "channel": "email"}
    await _send(bootstrap, topics.letter("ub"), earlier, earlier)
    await _send(bootstrap, topics.letter("bsa"), earlier)
    since = await _letter_offsets(bootstrap, {}, topics)
    assert sum(since.values()) == 3

    reminder = {"institution": "ub", "kind": "reminder", "channel": "email"}
    notice = {"institution": "bsa", "kind": "overdue_notice", "channel": "post"}
    await _send(bootstrap, topics.letter("ub"), reminder)
    await _send(bootstrap, topics.letter("bsa"), notice, notice)

    counts = await _count_letters(bootstrap, {}, topics, since)
    assert counts == {("ub", "reminder", "email"): 1, ("bsa", "overdue_notice", "post"): 2}
