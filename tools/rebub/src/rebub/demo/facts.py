"""Waiting on the facts a step needs (the network is asynchronous between services): each wait is
bounded, says what it waits for and what it sees on a progress line, and ends in one sentence
when the fact does not come (what was expected, what was seen, which log to read).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka.errors import KafkaError
from rich.progress import Progress

from rebub.demo.client import DemoError, NetworkClient
from rebub.flows import FlowSnapshot, sample_flows
from rebub_shared.topics import Topics

T = TypeVar("T")

#: What a check answers: the fact (None: not yet) and what it sees, for the progress line.
Seen = tuple[T | None, str]


@dataclass(frozen=True)
class Consumer:
    """A consumer group of one instance, on one topic: caught up when its lag is zero."""

    service: str
    tenant: str
    topic: str
    group: str


def lag_of(flows: FlowSnapshot, consumer: Consumer) -> int | None:
    """The group's lag on the topic (None: the group has committed nothing there yet)."""
    for flow in flows.topics:
        if flow.topic == consumer.topic:
            return next((g.lag for g in flow.groups if g.group == consumer.group), None)
    return None


class Facts:
    """The waits of one demo run."""

    def __init__(
        self,
        net: NetworkClient,
        progress: Progress,
        bootstrap: str,
        topics: Topics,
        kafka_client: dict[str, Any] | None = None,
        every_s: float = 0.5,
        consumer_wait_s: float = 180.0,
    ) -> None:
        self.net, self.progress, self.bootstrap, self.topics = net, progress, bootstrap, topics
        self.kafka_client = kafka_client or {}
        self.every_s, self.consumer_wait_s = every_s, consumer_wait_s

    async def until(
        self,
        check: Callable[[], Awaitable[Seen[T]]],
        *,
        what: str,
        expected: str,
        hint: str,
        timeout_s: float,
    ) -> T:
        """Poll ``check`` until it gives its fact, at most ``timeout_s``; a :class:`DemoError`
        raised by the check counts as "not yet" when its answer may change (``not_yet``; its
        message is what was seen), and fails at once otherwise."""
        started = time.monotonic()
        task = self.progress.add_task(f"waiting: {what}", total=None)
        seen = "nothing yet"
        try:
            while True:
                try:
                    value, seen = await check()
                except DemoError as error:
                    if not error.not_yet:
                        raise
                    value, seen = None, str(error).split("; read ", 1)[0]
                if value is not None:
                    return value
                waited = time.monotonic() - started
                if waited > timeout_s:
                    raise DemoError(
                        f"{what}: expected {expected} within {timeout_s:.0f} s, saw {seen}; {hint}"
                    )
                self.progress.update(
                    task, description=f"waiting {waited:3.0f}/{timeout_s:.0f} s: {what} ({seen})"
                )
                await asyncio.sleep(self.every_s)
        finally:
            self.progress.remove_task(task)

    async def answered(
        self,
        service: str,
        tenant: str,
        path: str,
        *,
        what: str,
        expected: str,
        accept: Callable[[Any], bool] = lambda answer: True,
        **kw: Any,
    ) -> Any:
        """Wait until ``GET service[tenant]path`` answers, with an answer ``accept`` takes."""

        async def check() -> Seen[Any]:
            answer = await self.net.call("GET", service, tenant, path, **kw)
            return (answer if accept(answer) else None), "an answer without it"

        return await self.until(
            check,
            what=what,
            expected=expected,
            hint=self.net.hint(service, tenant),
            timeout_s=self.consumer_wait_s,
        )

    async def caught_up(self, consumers: Sequence[Consumer], what: str, timeout_s: float) -> None:
        """Wait until every consumer group has read all of its topic (committed, lag zero)."""

        async def check() -> Seen[bool]:
            try:
                flows = await sample_flows(
                    self.bootstrap, prefix=self.topics.prefix, **self.kafka_client
                )
            except (KafkaError, asyncio.CancelledError) as error:
                # A busy broker: read again, within the same bound. aiokafka's consumer may leak
                # a CancelledError from its stop; a real cancellation (Ctrl-C) goes through.
                task = asyncio.current_task()
                if isinstance(error, asyncio.CancelledError) and task and task.cancelling():
                    raise
                return None, f"no lag reading from the broker ({type(error).__name__})"
            behind = []
            for c in consumers:
                lag = lag_of(flows, c)
                if lag is None:
                    behind.append(f"{c.service}[{c.tenant}] not started on {c.topic}")
                elif lag:
                    behind.append(f"{c.service}[{c.tenant}] {lag} behind")
            return (True if not behind else None), ", ".join(behind[:3]) or "caught up"

        slowest = consumers[0] if consumers else Consumer("?", "?", "?", "?")
        await self.until(
            check,
            what=what,
            expected="every consumer group at lag 0",
            hint=self.net.hint(slowest.service, slowest.tenant)
            + " (and `rebub status` for every lag)",
            timeout_s=timeout_s,
        )
