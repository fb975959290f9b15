"""A letter accepted by SMTP or written in its batch: recorded SENT with its event, announced."""

from __future__ import annotations

import uuid
from datetime import datetime

from rebub_shared.cloudevents import new_event
from rebub_shared.contracts.letters import LetterSent
from rebub_shared.logging import get_logger

from ..domain import Letter
from .context import Context
from .ports import NotifierStore, Outgoing
from .records import Report

log = get_logger(__name__)


async def record_sent(
    store: NotifierStore, ctx: Context, letter: Letter, now: datetime, message_id: str | None
) -> None:
    """SENDING -> SENT with its LetterSent event, then publish it (and report a changed channel)."""
    written = await store.mark_sent(letter.key, now, message_id, letter_sent(ctx, letter, now))
    log.info("letter_sent", letter_id=letter.key, channel=letter.channel.value)
    ctx.letter_outcome("sent")
    if letter.reported_reason:
        await report(store, ctx, letter, now, "channel_changed", letter.reported_reason)
    try:
        await ctx.after_sent(letter.key, written)
    except Exception as error:  # the relay's loop publishes it later: never fail a sent letter
        log.warning("letter_event_not_relayed_yet", letter_id=letter.key, error=str(error))


def letter_sent(ctx: Context, letter: Letter, now: datetime) -> Outgoing:
    """The LetterSent event of a letter; its id derives from the letter's, so it is one event."""
    data = LetterSent(
        letter_id=letter.key,
        institution=ctx.settings.code,  # type: ignore[arg-type]  # checked by the settings
        patron_id=letter.patron.patron_id,
        kind=letter.kind.value,  # type: ignore[arg-type]  # the same eight kinds
        loan_ids=[item.loan_id for item in letter.items],
        channel=letter.channel.value,  # type: ignore[arg-type]
        sent_at=now,
        reported_reason=letter.reported_reason,
    )
    event = new_event(
        data,
        source=ctx.source,
        tenant=ctx.settings.code,  # type: ignore[arg-type]
        subject=letter.key,
        clock=ctx.clock,
        event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"rebub:letter-sent:{letter.key}")),
    )
    return (ctx.letter_topic, letter.patron.patron_id, event)


async def report(
    store: NotifierStore, ctx: Context, letter: Letter, now: datetime, kind: str, reason: str
) -> None:
    """Record a case for staff about `letter` (idempotent on its id)."""
    loan_ids = tuple(item.loan_id for item in letter.items)
    report = Report(f"{kind}:{letter.key}", letter.patron.patron_id, kind, loan_ids, reason, now)
    await store.add_report(report)
