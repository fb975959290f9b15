"""Webhook subscriptions of one institution, and what Alma's listeners expect of a delivery.

A manager registers a listener (URL, secret, events, format); every selected loan event is
POSTed to it, signed as Alma signs: ``X-Exl-Signature`` is the base64 of the HMAC-SHA256 of the
whole body under the shared secret. The body is compact JSON (no spaces), so that a listener
re-serialising the parsed body (``JSON.stringify``, as Alma's own example does) gets the same
bytes back. Pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from rebub_shared.contracts.loans import LOAN_EVENTS

SIGNATURE_HEADER = "X-Exl-Signature"
WebhookFormat = Literal["alma", "cloudevents"]
SubscriptionStatus = Literal["active", "paused"]

#: What a subscription may select: Alma's codes, or our CloudEvents types (every loan event).
ALMA_CODES = tuple(e.alma_event for e in LOAN_EVENTS if e.alma_event)
EVENT_TYPES = tuple(e.event_type for e in LOAN_EVENTS)


class Subscription(BaseModel):
    """A registered listener of one institution's loan events."""

    model_config = ConfigDict(frozen=True)

    subscription_id: str
    institution: str
    url: HttpUrl
    secret: str = Field(min_length=8, repr=False)
    events: tuple[str, ...] = Field(min_length=1)
    format: WebhookFormat = "alma"
    status: SubscriptionStatus = "active"
    paused_reason: str | None = None

    def selects(self, event_type: str, alma_code: str | None) -> bool:
        """Whether an event of ``event_type`` (Alma's ``alma_code``) goes to this listener; the
        Alma format carries only the events Alma has a code for."""
        if self.format == "alma" and alma_code is None:
            return False
        return event_type in self.events or (alma_code is not None and alma_code in self.events)


class UnknownWebhookEventError(ValueError):
    """A subscription asks for an event that is neither an Alma LOAN code nor one of our types."""

    def __init__(self, value: str) -> None:
        super().__init__(
            f"events: {value!r} is neither an Alma LOAN code ({', '.join(ALMA_CODES)}) nor a loan "
            "event type"
        )


def check_events(events: tuple[str, ...]) -> tuple[str, ...]:
    """The events of a subscription, each known (``UnknownWebhookEventError`` names the first
    unknown one)."""
    for value in events:
        if value not in ALMA_CODES and value not in EVENT_TYPES:
            raise UnknownWebhookEventError(value)
    return tuple(dict.fromkeys(events))


def body_bytes(body: dict[str, Any]) -> bytes:
    """The exact bytes posted: compact JSON, UTF-8 (what ``JSON.stringify`` gives back)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    """Alma's signature of ``body``: base64 of its HMAC-SHA256 under ``secret``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, body: bytes, signed: str) -> bool:
    """What a listener does: recompute and compare in constant time."""
    return hmac.compare_digest(signature(secret, body), signed)


class RetrySchedule(BaseModel):
    """Backoff between attempts of one delivery, and when a failing listener is paused.

    Attempt n (from 1) waits ``min(first_wait_s * 2**(n-1), max_wait_s)`` before the next; after
    ``pause_after`` failed attempts of one delivery the subscription is paused (a manager resumes
    it); the deliveries wait, in order, and are sent after.
    """

    model_config = ConfigDict(frozen=True)

    first_wait_s: float = Field(default=1.0, gt=0)
    max_wait_s: float = Field(default=300.0, gt=0)
    pause_after: int = Field(default=12, ge=1)
    timeout_s: float = Field(default=10.0, gt=0)
