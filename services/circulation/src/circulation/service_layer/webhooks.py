"""Webhook delivery: what the loan events' webhook consumer queues, and how each subscription's
queue is sent (in order, signed, retried with backoff, paused after repeated failures).

The consumer (its own consumer group) only writes each selected event into the subscription's
queue in the store: a listener that is down never holds up the consumer, the desk or the other
listeners. One task per subscription sends its queue in order (so per loan in order too), each
attempt written to the delivery log; at-least-once: a delivery is marked sent after the listener
answered 2xx, and a crash in between sends it again (its ``id`` is the same: listeners dedupe).

Several replicas: a subscription's queue is sent by the one holding its lease in the store. The
lease is renewed right before every attempt and every slice (a third of the lease) of a backoff
wait, so a delivery retried for twenty minutes keeps it; a renewal refused (another replica took
over after this one stalled past the lease) stops this sender at once (``LeaseLostError``), and
an attempt, bounded by ``timeout_s`` (at most half the lease), always ends inside the lease it
was started under. So one replica at a time sends a queue: no duplicate, no overtaking.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from circulation.domain.alma import item_loan_webhook
from circulation.domain.policy import InstitutionPolicy
from circulation.domain.webhooks import (
    SIGNATURE_HEADER,
    RetrySchedule,
    Subscription,
    body_bytes,
    check_events,
    signature,
)
from rebub_shared.clock import Clock
from rebub_shared.cloudevents import Event
from rebub_shared.contracts.loans import ANONYMISED_PATRON, LoanEvent
from rebub_shared.logging import get_logger
from rebub_shared.tenancy import institution

log = get_logger(__name__)
LEASE_S = 30.0  # a subscription's sending lease


class Attempt(BaseModel):
    """One try of one delivery: when, the listener's HTTP status (None: no answer), how long."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    status: int | None
    latency_ms: float
    error: str | None = None


class Delivery(BaseModel):
    """One event queued for one subscription, with its attempts."""

    model_config = ConfigDict(frozen=True)

    delivery_id: str
    subscription_id: str
    seq: int
    event_id: str
    event_type: str
    loan_id: str
    body: str
    state: Literal["pending", "delivered"] = "pending"
    attempts: tuple[Attempt, ...] = ()


class WebhookStore(Protocol):
    """Subscriptions and their delivery queues (the log is the queue)."""

    async def add(self, subscription: Subscription) -> None: ...
    async def get(self, institution: str, subscription_id: str) -> Subscription | None: ...
    async def all(self, institution: str) -> list[Subscription]: ...
    async def set_status(
        self, institution: str, subscription_id: str, status: str, reason: str | None
    ) -> bool: ...
    async def remove(self, institution: str, subscription_id: str) -> bool: ...
    async def enqueue(self, subscription_id: str, delivery: dict[str, Any]) -> bool: ...
    async def next_pending(self, subscription_id: str) -> Delivery | None: ...
    async def record(self, delivery_id: str, attempt: Attempt, delivered: bool) -> None: ...
    async def deliveries(self, subscription_id: str, limit: int) -> list[Delivery]: ...
    async def redeliver(self, subscription_id: str, from_seq: int, to_seq: int) -> int: ...
    async def claim(self, subscription_id: str, owner: str, ttl_s: float) -> bool: ...
    async def release(self, subscription_id: str, owner: str) -> None: ...
    async def anonymise_patron(self, patron_id: str, anonymised: str) -> int:
        """Every delivery whose body names ``patron_id`` (a JSON string) names ``anonymised``
        instead (an erasure); how many."""
        ...


class Listener(Protocol):
    """The HTTP side: Alma's challenge, and a signed POST (its status; raises when no answer)."""

    async def challenge(self, url: str, value: str) -> str | None: ...
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...


class ChallengeFailedError(ValueError):
    """The listener did not answer Alma's challenge with the value it was sent."""


class UnknownSubscriptionError(LookupError):
    """No subscription of this institution has that id."""

    def __init__(self, subscription_id: str) -> None:
        super().__init__(
            f"subscription_id: {subscription_id!r} is not a webhook of this institution"
        )


class DeliveryFailedError(Exception):
    """One attempt failed (no answer, or not 2xx)."""


class LeaseLostError(Exception):
    """Another replica holds this subscription's lease now: this one stops sending its queue."""


ItemPolicyOf = Callable[[str], Awaitable[str | None]]


def body_of(
    subscription: Subscription,
    event: Event[LoanEvent],
    *,
    policy: InstitutionPolicy | None,
    item_policy: str | None,
) -> dict[str, Any]:
    """What is posted to ``subscription`` for ``event``: Alma's LOAN webhook, or the CloudEvent
    in JSON structured mode."""
    envelope = event.envelope
    if subscription.format == "alma":
        return item_loan_webhook(
            event.data,
            webhook_id=envelope.id,
            time=envelope.time,
            institution_name=institution(event.data.loan.institution).name,
            policy=policy,
            item_policy=item_policy,
        )
    structured = envelope.model_dump(mode="json", exclude_none=True)
    return structured | {
        "datacontenttype": "application/json",
        "data": event.data.model_dump(mode="json"),
    }


class Webhooks:
    """One institution's webhooks: registration, queueing, the delivery log, redelivery."""

    def __init__(
        self,
        institution: str,
        store: WebhookStore,
        listener: Listener,
        *,
        policy: InstitutionPolicy | None,
        item_policy_of: ItemPolicyOf,
    ) -> None:
        self.institution = institution
        self.store = store
        self.listener = listener
        self.policy = policy
        self._item_policy_of = item_policy_of
        self.queued: Callable[[str], None] = lambda _: None  # the deliverer's wake-up

    async def register(
        self, url: str, secret: str, events: tuple[str, ...], fmt: str
    ) -> Subscription:
        """Challenge the listener as Alma does (GET ``?challenge=``), then keep it."""
        subscription = Subscription.model_validate(
            {
                "subscription_id": uuid.uuid4().hex,
                "institution": self.institution,
                "url": url,
                "secret": secret,
                "events": events,
                "format": fmt,
            }
        )
        check_events(subscription.events)
        value = uuid.uuid4().hex
        answered = await self.listener.challenge(str(subscription.url), value)
        if answered != value:
            raise ChallengeFailedError(
                f"url: {url!r} answered the challenge with {answered!r}, not {value!r}"
            )
        await self.store.add(subscription)
        return subscription

    async def subscription(self, subscription_id: str) -> Subscription:
        """The institution's subscription, or ``UnknownSubscriptionError``."""
        found = await self.store.get(self.institution, subscription_id)
        if found is None:
            raise UnknownSubscriptionError(subscription_id)
        return found

    async def resume(self, subscription_id: str) -> Subscription:
        """A paused subscription sends its queue again, from its oldest pending delivery."""
        await self.subscription(subscription_id)
        await self.store.set_status(self.institution, subscription_id, "active", None)
        self.queued(subscription_id)
        return await self.subscription(subscription_id)

    async def forget_patron(self, patron_id: str) -> int:
        """An erasure (issue 21): the deliveries of the patron's loan events, delivered or
        pending, name ``anonymised`` instead of them (as their loans do). The log keeps its
        order and attempts, a pending delivery still tells the listener the item's change; the
        listener's own copy of what it received is the listener's to erase. How many."""
        return await self.store.anonymise_patron(patron_id, ANONYMISED_PATRON)

    async def redeliver(self, subscription_id: str, from_seq: int, to_seq: int) -> int:
        """Send the deliveries ``from_seq``..``to_seq`` again (in order, before newer ones)."""
        await self.subscription(subscription_id)
        requeued = await self.store.redeliver(subscription_id, from_seq, to_seq)
        self.queued(subscription_id)
        return requeued

    async def on_event(self, event: Event[LoanEvent]) -> int:
        """Queue ``event`` for every active subscription that selects it; how many queued."""
        data = event.data
        queued = 0
        item_policy: str | None = None
        looked_up = False
        # A paused subscription keeps queueing: its listener gets everything once resumed.
        for subscription in await self.store.all(self.institution):
            if not subscription.selects(data.event_type, type(data).alma_event):
                continue
            if not looked_up:
                item_policy, looked_up = await self._item_policy_of(data.loan.item_barcode), True
            body = body_of(subscription, event, policy=self.policy, item_policy=item_policy)
            delivery = {
                "event_id": event.envelope.id,
                "event_type": data.event_type,
                "loan_id": data.loan.loan_id,
                "body": body_bytes(body).decode(),
            }
            if await self.store.enqueue(subscription.subscription_id, delivery):
                queued += 1
                self.queued(subscription.subscription_id)
        return queued


class Deliverer:
    """Sends each subscription's queue: one task per active subscription (held by a lease in
    the store, so two replicas never send one queue at once)."""

    def __init__(
        self,
        webhooks: Webhooks,
        schedule: RetrySchedule,
        clock: Clock,
        *,
        poll_s: float = 2.0,
        lease_s: float = LEASE_S,
    ) -> None:
        if schedule.timeout_s > lease_s / 2:  # an attempt must end inside its lease
            raise ValueError(
                f"timeout_s: {schedule.timeout_s} is more than half the lease ({lease_s} s)"
            )
        self._webhooks = webhooks
        self._schedule = schedule
        self._clock = clock
        self._poll_s = poll_s
        self._lease_s = lease_s
        self._owner = uuid.uuid4().hex
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._main: asyncio.Task[None] | None = None
        webhooks.queued = self.wake

    def wake(self, subscription_id: str) -> None:
        self._wake.setdefault(subscription_id, asyncio.Event()).set()

    def start(self) -> None:
        self._main = asyncio.create_task(self._supervise(), name="webhook-deliverer")

    async def stop(self) -> None:
        tasks = [t for t in (self._main, *self._tasks.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for subscription_id in self._tasks:  # another replica may take over at once
            with contextlib.suppress(Exception):
                await self._webhooks.store.release(subscription_id, self._owner)
        self._tasks.clear()

    async def _supervise(self) -> None:
        while True:
            try:
                for subscription in await self._webhooks.store.all(self._webhooks.institution):
                    sid = subscription.subscription_id
                    running = self._tasks.get(sid)
                    if subscription.status == "active" and (running is None or running.done()):
                        self._tasks[sid] = asyncio.create_task(
                            self._run(sid), name=f"webhook-{sid}"
                        )
            except Exception as error:  # the store away: try again at the next round
                log.warning("webhook_supervisor_failed", error=repr(error))
            await asyncio.sleep(self._poll_s)

    async def _run(self, subscription_id: str) -> None:
        store, inst = self._webhooks.store, self._webhooks.institution
        wake = self._wake.setdefault(subscription_id, asyncio.Event())
        while True:
            if not await self._holds(subscription_id):
                await asyncio.sleep(self._poll_s)
                continue
            subscription = await store.get(inst, subscription_id)
            if subscription is None or subscription.status != "active":
                return
            delivery = await store.next_pending(subscription_id)
            if delivery is None:
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self._poll_s)
                continue
            try:
                await self._deliver(subscription, delivery)
            except LeaseLostError:
                log.warning("webhook_lease_lost", subscription_id=subscription_id)
                continue  # back to waiting for the lease, sending nothing meanwhile
            except DeliveryFailedError as error:
                reason = f"{self._schedule.pause_after} failed attempts: {error}"
                await store.set_status(inst, subscription_id, "paused", reason)
                log.warning("webhook_paused", subscription_id=subscription_id, reason=reason)
                return

    async def _deliver(self, subscription: Subscription, delivery: Delivery) -> None:
        schedule = self._schedule
        retrying = AsyncRetrying(
            stop=stop_after_attempt(schedule.pause_after),
            wait=wait_exponential(multiplier=schedule.first_wait_s, max=schedule.max_wait_s),
            retry=retry_if_exception_type(DeliveryFailedError),
            reraise=True,
            sleep=partial(self._wait_holding, subscription.subscription_id),
        )
        async for attempt in retrying:
            with attempt:
                await self._attempt(subscription, delivery)

    async def _holds(self, subscription_id: str) -> bool:
        """Take or renew this subscription's lease (False: another replica holds it)."""
        return await self._webhooks.store.claim(subscription_id, self._owner, self._lease_s)

    async def _wait_holding(self, subscription_id: str, seconds: float) -> None:
        """A backoff wait that keeps the lease: renewed every third of it."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, self._lease_s / 3))
            if not await self._holds(subscription_id):
                raise LeaseLostError(subscription_id)

    async def _attempt(self, subscription: Subscription, delivery: Delivery) -> None:
        if not await self._holds(subscription.subscription_id):  # the fence: never send unheld
            raise LeaseLostError(subscription.subscription_id)
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(subscription.secret, body),
            "X-Rebub-Delivery": delivery.delivery_id,
        }
        started, status, error = time.monotonic(), None, None
        try:
            status = await asyncio.wait_for(
                self._webhooks.listener.post(str(subscription.url), body, headers),
                self._schedule.timeout_s,
            )
        except Exception as failure:  # no answer: refused, timed out, reset
            error = repr(failure)
        latency_ms = round((time.monotonic() - started) * 1000, 1)
        delivered = status is not None and 200 <= status < 300
        attempt = Attempt(at=self._clock.now(), status=status, latency_ms=latency_ms, error=error)
        await self._webhooks.store.record(delivery.delivery_id, attempt, delivered)
        if not delivered:
            raise DeliveryFailedError(error or f"HTTP {status}")
