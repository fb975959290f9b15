"""Letters: what is sent to one patron, with the idempotency keys of what it covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from .kinds import Channel, LetterKind, Stage
from .patron import PatronContact


def idempotency_key(institution: str, loan_id: str, stage: Stage, due_version: int) -> str:
    """The unique key of one stage of one loan for one due date: "ub:L42:recall1:v2".

    The store keeps a unique index on it and records it before the letter goes out.
    """
    return f"{institution}:{loan_id}:{stage.value}:v{due_version}"


@dataclass(frozen=True)
class LetterItem:
    """One line of a letter's item table.

    due_at is None for items with no due date (a hold waiting on the shelf).
    idempotency_key is set on chain letters and hold-available letters (the request's key).
    """

    loan_id: str
    title: str
    item_barcode: str
    library: str
    due_at: datetime | None
    days_overdue: int = 0
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Letter:
    """One letter to one patron.

    key: identifies the letter itself, "ub:P1:recall1:2026-12-08" for chain letters (one per
    patron, stage and day). reported_reason: set when the channel is not the one the patron
    should have had (e.g. no email address: printed instead); staff are told.
    pickup_until: for a hold available, the last day on the hold shelf (for a digitisation
    delivered, the last day its link works).
    document_url: for a digitisation delivered, the copy's link.
    """

    key: str
    institution: str
    kind: LetterKind
    patron: PatronContact
    day: date
    channel: Channel
    items: tuple[LetterItem, ...]
    reported_reason: str | None = None
    pickup_until: date | None = None
    document_url: str | None = None

    @property
    def idempotency_keys(self) -> tuple[str, ...]:
        """The per-loan keys to record before sending."""
        return tuple(i.idempotency_key for i in self.items if i.idempotency_key)


class ChannelChoice(NamedTuple):
    """The channel for a letter, and why it is reported if it is not the expected one."""

    channel: Channel | None  # None: the patron cannot be reached at all
    reported_reason: str | None


def choose_channel(patron: PatronContact, by_post: bool) -> ChannelChoice:
    """Pick email or post. Post stages go by post; a patron without the expected contact
    gets the other channel and the case is reported; with neither, nobody can send it."""
    has_email, has_address = bool(patron.email), patron.postal_address is not None
    if by_post:
        if has_address:
            return ChannelChoice(Channel.POST, None)
        if has_email:
            return ChannelChoice(Channel.EMAIL, "no postal address: sent by email")
    else:
        if has_email:
            return ChannelChoice(Channel.EMAIL, None)
        if has_address:
            return ChannelChoice(Channel.POST, "no email address: printed and posted")
    return ChannelChoice(None, "neither email nor postal address")
