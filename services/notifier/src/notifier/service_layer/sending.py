"""Send one letter exactly once (the reasoning: README.md, "Exactly once").

0. Take the letter's current attempt (a unique insert, ``claim_attempt``): from then on this
   process alone changes the letter's state, by ``_id``, until it records the outcome.
1. Keep the items still due today (chain letters: loan active, same due date version, stage
   still the current one) and claim their idempotency keys under the store's unique index; an
   item whose key another letter owns is dropped (that letter covers it).
2. -> SENDING, then hand the letter to SMTP, or (printed) to the day's batch (``printing``).
3. Accepted: -> SENT with the LetterSent event in the same write (outbox), then relay.
   Certainly refused (server down, tenacity gave up): back to PENDING, the next pass retries.
   Broken while handing over: UNCERTAIN, reported, never resent.
A crash leaves SENDING or a taken attempt: ``recover_in_flight`` at the next start settles it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from rebub_shared.clock import paris_date
from rebub_shared.logging import get_logger

from ..domain import (
    Channel,
    Letter,
    LetterItem,
    LoanInChain,
    current_stage,
    days_overdue,
    idempotency_key,
    next_stage_on,
)
from .commands import RecoverInFlight
from .context import Context
from .ports import DeliveryUncertainError, NotDeliveredError, NotifierStore
from .printing import print_batch
from .records import ClaimNote, LetterRecord, LetterState
from .sent import record_sent, report

log = get_logger(__name__)


def message_id_for(letter_id: str, domain: str) -> str:
    """A deterministic Message-ID: a human finds the letter's mail from its id, and back."""
    return f"<{re.sub(r'[^A-Za-z0-9._-]', '.', letter_id)}@{domain}>"


async def send_letter(
    store: NotifierStore,
    ctx: Context,
    record: LetterRecord,
    now: datetime,
    active: Mapping[str, LoanInChain] | None = None,
    printed: list[Letter] | None = None,
    notes: list[ClaimNote] | None = None,
) -> LetterState:
    """Send a PENDING letter; `active` (the pass's due loans by id) re-checks chain items first.

    A printed letter is left SENDING in `printed` (the pass writes the batch once, at its end:
    ``print_batch``), or printed at once when `printed` is None. The claims of chain items are
    noted on their loans (with the next stage day) at once, or left in `notes` for the pass to
    write together (a crash before: the next pass finds the keys by ``_id``).
    """
    today = paris_date(now)
    letter = record.letter
    if not await store.claim_attempt(letter.key, record.attempts, ctx.owner):
        log.warning("letter_taken_by_another_process", letter_id=letter.key)
        return record.state
    owned: list[LetterItem] = []
    for item in letter.items:
        key = item.idempotency_key
        if key is not None:
            if active is not None and not _still_due(ctx, item, key, active, now):
                continue
            if not await store.claim_key(key, letter.key):
                continue
            if active is not None:  # the pass's read of the loans then knows it is claimed
                loan = active[item.loan_id]  # still due: in the pass's loans
                next_day = next_stage_on(loan.due_at, loan.due_set_at, today, ctx.settings.chain)
                note = ClaimNote(item.loan_id, key, next_day)
                if notes is None:
                    await store.note_claimed([note])
                else:
                    notes.append(note)
        overdue = days_overdue(item.due_at, today) if item.due_at else 0
        owned.append(replace(item, days_overdue=overdue))
    if letter.idempotency_keys and not owned:
        await store.mark(letter.key, LetterState.SUPERSEDED, "no item left to send")
        return LetterState.SUPERSEDED
    outgoing = replace(letter, items=tuple(owned), day=today)
    await store.begin_sending(outgoing, now)
    if outgoing.channel is Channel.POST:
        if printed is not None:
            printed.append(outgoing)
            return LetterState.SENDING
        return (await print_batch(store, ctx, [outgoing], now))[outgoing.key]
    return await _email(store, ctx, outgoing, now)


def _still_due(
    ctx: Context, item: LetterItem, key: str, active: Mapping[str, LoanInChain], now: datetime
) -> bool:
    loan = active.get(item.loan_id)
    if loan is None:
        return False
    reached = current_stage(loan.due_at, loan.due_set_at, paris_date(now), ctx.settings.chain)
    if reached is None:
        return False
    return key == idempotency_key(ctx.institution, loan.loan_id, reached.stage, loan.due_version)


async def _email(store: NotifierStore, ctx: Context, letter: Letter, now: datetime) -> LetterState:
    message_id = message_id_for(letter.key, ctx.message_id_domain)
    try:
        await ctx.mailer.send(letter, message_id, now)
    except NotDeliveredError as error:
        await store.back_to_pending(letter.key, str(error))
        log.warning("letter_not_delivered", letter_id=letter.key, error=str(error))
        ctx.letter_outcome("failed")
        return LetterState.PENDING
    except DeliveryUncertainError as error:
        await settle_uncertain(store, ctx, letter, now, str(error))
        return LetterState.UNCERTAIN
    await record_sent(store, ctx, letter, now, message_id)
    return LetterState.SENT


async def settle_uncertain(
    store: NotifierStore, ctx: Context, letter: Letter, now: datetime, reason: str
) -> None:
    """An email that may have left: UNCERTAIN, logged and reported, never resent automatically."""
    await store.mark(letter.key, LetterState.UNCERTAIN, reason)
    log.error("letter_uncertain", letter_id=letter.key, reason=reason)
    ctx.letter_outcome("uncertain")
    await report(store, ctx, letter, now, "uncertain", reason)


async def recover_in_flight(command: RecoverInFlight, store: NotifierStore, ctx: Context) -> int:
    """At start, before any pass: settle what a crash left; return how many letters were SENDING.

    An email in SENDING may have left: UNCERTAIN. A printed letter in SENDING is put in its day's
    batch again (a set of letter ids: it holds the letter once) and recorded as sent. A PENDING
    letter whose attempt was taken never reached SENDING, so nothing left: it gets a new attempt.
    The process starting is the institution's only one: what another left is its own now.
    """
    now = ctx.clock.now()
    in_flight, printed = 0, []
    for record in await store.letters_in(LetterState.SENDING):
        in_flight += 1
        if record.letter.channel is Channel.POST:
            printed.append(record.letter)
        else:
            await settle_uncertain(
                store, ctx, record.letter, now, "interrupted while sending (crash)"
            )
    if printed:
        await print_batch(store, ctx, printed, now)
    for record in await store.letters_in(LetterState.PENDING):
        if await store.attempt_taken(record.letter_id, record.attempts):
            await store.back_to_pending(record.letter_id, "interrupted before sending (crash)")
    return in_flight
