"""Send one letter exactly once.

1. Keep the items still due today (chain letters: loan active, same due date version, stage
   still the current one) and claim their idempotency keys under the store's unique index; an
   item whose key another letter owns is dropped (that letter covers it).
2. PENDING -> SENDING, then hand the letter to SMTP or write the day's printed batch.
3. Accepted: SENDING -> SENT with the LetterSent event in the same write (outbox), then relay.
   Certainly refused (server down, tenacity gave up): back to PENDING, the next pass retries.
   Broken while handing over: UNCERTAIN, reported, never resent.
A crash after step 2 leaves SENDING: ``recover_in_flight`` at the next start settles it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from rebub_shared.cloudevents import new_event
from rebub_shared.contracts.letters import LetterSent
from rebub_shared.logging import get_logger

from ..domain import (
    Channel,
    Letter,
    LetterItem,
    LoanInChain,
    current_stage,
    days_overdue,
    idempotency_key,
    paris_day,
)
from .notifier import Notifier
from .ports import DeliveryUncertainError, NotDeliveredError, Outgoing
from .records import LetterRecord, LetterState, Report

log = get_logger(__name__)


def message_id_for(letter_id: str, domain: str) -> str:
    """A deterministic Message-ID: a human finds the letter's mail from its id, and back."""
    return f"<{re.sub(r'[^A-Za-z0-9._-]', '.', letter_id)}@{domain}>"


async def send_letter(
    n: Notifier,
    record: LetterRecord,
    now: datetime,
    active: Mapping[str, LoanInChain] | None = None,
) -> LetterState:
    """Send a PENDING letter; `active` (the active loans by id) re-checks chain items first."""
    today = paris_day(now)
    letter = record.letter
    owned: list[LetterItem] = []
    for item in letter.items:
        key = item.idempotency_key
        if key is not None:
            if active is not None and not _still_due(n, item, key, active, now):
                continue
            if not await n.store.claim_key(key, letter.key):
                continue
        overdue = days_overdue(item.due_at, today) if item.due_at else 0
        owned.append(replace(item, days_overdue=overdue))
    if letter.idempotency_keys and not owned:
        await n.store.mark(letter.key, LetterState.SUPERSEDED, "no item left to send")
        return LetterState.SUPERSEDED
    outgoing = replace(letter, items=tuple(owned), day=today)
    if not await n.store.begin_sending(outgoing, now):
        return record.state
    return await _deliver(n, outgoing, now)


def _still_due(
    n: Notifier, item: LetterItem, key: str, active: Mapping[str, LoanInChain], now: datetime
) -> bool:
    loan = active.get(item.loan_id)
    if loan is None:
        return False
    reached = current_stage(loan.due_at, loan.due_set_at, paris_day(now), n.settings.chain)
    if reached is None:
        return False
    return key == idempotency_key(n.institution, loan.loan_id, reached.stage, loan.due_version)


async def _deliver(n: Notifier, letter: Letter, now: datetime) -> LetterState:
    message_id = None
    try:
        if letter.channel is Channel.EMAIL:
            message_id = message_id_for(letter.key, n.message_id_domain)
            await n.mailer.send(letter, message_id, now)
        else:
            await n.printer.write_batch(
                n.institution, letter.day, await n.store.printed_batch(letter.day)
            )
    except NotDeliveredError as error:
        await n.store.back_to_pending(letter.key, str(error))
        log.warning("letter_not_delivered", letter_id=letter.key, error=str(error))
        return LetterState.PENDING
    except DeliveryUncertainError as error:
        await settle_uncertain(n, letter, now, str(error))
        return LetterState.UNCERTAIN
    await record_sent(n, letter, now, message_id)
    return LetterState.SENT


async def record_sent(n: Notifier, letter: Letter, now: datetime, message_id: str | None) -> None:
    """SENDING -> SENT with its LetterSent event, then publish it (and report a changed channel)."""
    await n.store.mark_sent(letter.key, now, message_id, letter_sent(n, letter, now))
    log.info("letter_sent", letter_id=letter.key, channel=letter.channel.value)
    if letter.reported_reason:
        await _report(n, letter, now, "channel_changed", letter.reported_reason)
    try:
        await n.after_sent(letter.key)
    except Exception as error:  # the relay's loop publishes it later: never fail a sent letter
        log.warning("letter_event_not_relayed_yet", letter_id=letter.key, error=str(error))


async def settle_uncertain(n: Notifier, letter: Letter, now: datetime, reason: str) -> None:
    """An email that may have left: UNCERTAIN, logged and reported, never resent automatically."""
    await n.store.mark(letter.key, LetterState.UNCERTAIN, reason)
    log.error("letter_uncertain", letter_id=letter.key, reason=reason)
    await _report(n, letter, now, "uncertain", reason)


async def recover_in_flight(n: Notifier) -> int:
    """At start: settle the letters a crash left in SENDING; return how many there were.

    A printed letter is put in its day's batch again (the batch file is rewritten from the store,
    so it holds the letter once) and recorded as sent. An email may have left: UNCERTAIN.
    """
    now = n.clock.now()
    in_flight = await n.store.letters_in(LetterState.SENDING)
    for record in in_flight:
        letter = record.letter
        if letter.channel is Channel.POST:
            await _deliver(n, letter, now)
        else:
            await settle_uncertain(n, letter, now, "interrupted while sending (crash)")
    return len(in_flight)


def letter_sent(n: Notifier, letter: Letter, now: datetime) -> Outgoing:
    """The LetterSent event of a letter; its id derives from the letter's, so it is one event."""
    data = LetterSent(
        letter_id=letter.key,
        institution=n.settings.code,  # type: ignore[arg-type]  # checked by the settings
        patron_id=letter.patron.patron_id,
        kind=letter.kind.value,  # type: ignore[arg-type]  # the same eight kinds
        loan_ids=[item.loan_id for item in letter.items],
        channel=letter.channel.value,  # type: ignore[arg-type]
        sent_at=now,
        reported_reason=letter.reported_reason,
    )
    event = new_event(
        data,
        source=n.source,
        tenant=n.settings.code,  # type: ignore[arg-type]
        subject=letter.key,
        clock=n.clock,
        event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"rebub:letter-sent:{letter.key}")),
    )
    return (n.letter_topic, letter.patron.patron_id, event)


async def _report(n: Notifier, letter: Letter, now: datetime, kind: str, reason: str) -> None:
    loan_ids = tuple(item.loan_id for item in letter.items)
    report = Report(f"{kind}:{letter.key}", letter.patron.patron_id, kind, loan_ids, reason, now)
    await n.store.add_report(report)
