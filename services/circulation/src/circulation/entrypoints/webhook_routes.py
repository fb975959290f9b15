"""Webhooks of the institution's loan events, managed over HTTP by a circulation manager:
register (after Alma's challenge), list, read a delivery log, redeliver a range, resume, remove.
The secret is never answered back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from circulation.domain.webhooks import Subscription, WebhookFormat
from circulation.service_layer.webhooks import Delivery, UnknownSubscriptionError, Webhooks
from rebub_shared.auth.guard import requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.permissions import Permission as P

router = APIRouter(tags=["webhooks"])
Manager = Annotated[Principal, requires(P.WEBHOOKS_MANAGE)]


class Registration(BaseModel):
    """A listener to register: Alma's LOAN codes or our event types in ``events``."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000)
    secret: str = Field(min_length=8, max_length=200)
    events: tuple[str, ...] = Field(min_length=1, max_length=20)
    format: WebhookFormat = "alma"


class Redelivery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_seq: int = Field(ge=1)
    to_seq: int = Field(ge=1)


def _webhooks(request: Request) -> Webhooks:
    webhooks: Webhooks = request.app.state.webhooks
    return webhooks


def _public(subscription: Subscription) -> dict[str, Any]:
    return subscription.model_dump(mode="json", exclude={"secret"})


@router.post("/webhooks", status_code=201)
async def register(body: Registration, request: Request, who: Manager) -> dict[str, Any]:
    """Register a listener of this institution's loan events (Alma's challenge first)."""
    webhooks = _webhooks(request)
    subscription = await webhooks.register(body.url, body.secret, body.events, body.format)
    return _public(subscription)


@router.get("/webhooks")
async def list_webhooks(request: Request, who: Manager) -> list[dict[str, Any]]:
    """This institution's listeners (never another's)."""
    return [_public(s) for s in await _webhooks(request).store.all(_webhooks(request).institution)]


@router.get("/webhooks/{subscription_id}/deliveries")
async def delivery_log(
    subscription_id: str, request: Request, who: Manager, limit: int = 100
) -> list[Delivery]:
    """The delivery log: each queued event with its attempts (status, latency)."""
    webhooks = _webhooks(request)
    await webhooks.subscription(subscription_id)
    return await webhooks.store.deliveries(subscription_id, min(max(limit, 1), 1000))


@router.post("/webhooks/{subscription_id}/redeliveries")
async def redeliver(
    subscription_id: str, body: Redelivery, request: Request, who: Manager
) -> dict[str, int]:
    """Send the deliveries ``from_seq``..``to_seq`` again."""
    requeued = await _webhooks(request).redeliver(subscription_id, body.from_seq, body.to_seq)
    return {"requeued": requeued}


@router.post("/webhooks/{subscription_id}/resume")
async def resume(subscription_id: str, request: Request, who: Manager) -> dict[str, Any]:
    """Resume a paused listener: its queue is sent from the oldest pending delivery."""
    return _public(await _webhooks(request).resume(subscription_id))


@router.delete("/webhooks/{subscription_id}", status_code=204)
async def remove(subscription_id: str, request: Request, who: Manager) -> None:
    """Remove a listener and its queue."""
    webhooks = _webhooks(request)
    if not await webhooks.store.remove(webhooks.institution, subscription_id):
        raise UnknownSubscriptionError(subscription_id)
