"""The webhook deliverer and its sending lease, with fakes: a delivery retried through a backoff
wait renews the lease before every attempt and during the wait; once a renewal is refused
(another replica took the queue over) this one posts nothing more; a timeout longer than half
the lease is refused at construction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import cast

import pytest

from circulation.domain.webhooks import RetrySchedule, Subscription
from circulation.service_layer.webhooks import Attempt, Deliverer, Delivery, Webhooks, WebhookStore
from rebub.testing.waiting import eventually
from rebub_shared.clock import MovableClock

RETRY = RetrySchedule(first_wait_s=0.03, max_wait_s=0.03, pause_after=50, timeout_s=0.05)


class LeaseStore:
    """One subscription, one pending delivery; the lease granted ``granted`` times, then refused."""

    def __init__(self, granted: int, subscription: Subscription) -> None:
        self.granted, self.claims, self.attempts = granted, 0, list[Attempt]()
        self.subscription = subscription
        self.delivery = Delivery(
            delivery_id="S1:E1",
            subscription_id="S1",
            seq=1,
            event_id="E1",
            event_type="LOAN_CREATED",
            loan_id="L1",
            body="{}",
        )

    async def claim(self, subscription_id: str, owner: str, ttl_s: float) -> bool:
        self.claims += 1
        return self.claims <= self.granted

    async def release(self, subscription_id: str, owner: str) -> None:
        return None

    async def all(self, institution: str) -> list[Subscription]:
        return [self.subscription]

    async def get(self, institution: str, subscription_id: str) -> Subscription:
        return self.subscription

    async def next_pending(self, subscription_id: str) -> Delivery:
        return self.delivery

    async def record(self, delivery_id: str, attempt: Attempt, delivered: bool) -> None:
        self.attempts.append(attempt)


class Down:
    """A listener answering 503 to every POST."""

    def __init__(self) -> None:
        self.posts = 0

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.posts += 1
        return 503

    async def challenge(self, url: str, value: str) -> str | None:
        return value


async def _no_item_policy(barcode: str) -> str | None:
    return None


def _deliverer(store: LeaseStore, listener: Down, lease_s: float = 0.12) -> Deliverer:
    webhooks = Webhooks(
        "ub",
        cast(WebhookStore, store),
        listener,
        policy=None,
        item_policy_of=_no_item_policy,
    )
    clock = MovableClock(datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    return Deliverer(webhooks, RETRY, clock, poll_s=10.0, lease_s=lease_s)


async def test_a_refused_renewal_stops_the_sending_at_once(
    alma_subscription: Subscription,
) -> None:
    """Granted: the run's claim, the 1st attempt's, the wait's slices... up to 6; the 7th (a
    renewal inside the backoff wait or before an attempt) is refused: no attempt after it."""
    store, listener = LeaseStore(6, alma_subscription), Down()
    deliverer = _deliverer(store, listener)
    deliverer.start()
    try:
        await eventually(lambda: _claimed(store, 7))
        posts = listener.posts
        await asyncio.sleep(0.2)  # an absence: several backoff waits long, nothing more posted
        assert listener.posts == posts == len(store.attempts) == 3  # retried while it held it
    finally:
        await deliverer.stop()


async def _claimed(store: LeaseStore, n: int) -> bool:
    return store.claims >= n


def test_a_timeout_longer_than_half_the_lease_is_refused(alma_subscription: Subscription) -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        _deliverer(LeaseStore(1, alma_subscription), Down(), lease_s=0.08)  # 0.05 s > 0.04 s
