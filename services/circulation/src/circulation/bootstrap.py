"""Wiring: the message bus with its context, unit of work and relay. The HTTP app wires the
MongoDB unit of work and the outbox relay; unit tests wire the in-memory fakes through here too."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from rebub_shared.clock import Clock

from .domain import InstitutionPolicy
from .domain.vocabulary import InstitutionCode
from .service_layer.context import Context
from .service_layer.handlers import HANDLERS
from .service_layer.messagebus import MessageBus, Relay
from .service_layer.ports import UnitOfWork


def new_loan_id() -> str:
    """A fresh loan id (random: loan ids carry no meaning)."""
    return uuid.uuid4().hex


def bootstrap(
    *,
    institution: InstitutionCode,
    policy: InstitutionPolicy,
    clock: Clock,
    uow_factory: Callable[[], UnitOfWork],
    relay: Relay | None = None,
    loan_ids: Callable[[], str] = new_loan_id,
    request_relay: Relay | None = None,
) -> MessageBus:
    """The bus of one institution's circulation (``loan_ids`` also names new requests)."""
    ctx = Context(institution=institution, policy=policy, clock=clock, new_loan_id=loan_ids)
    return MessageBus(ctx, uow_factory, HANDLERS, relay, request_relay)
