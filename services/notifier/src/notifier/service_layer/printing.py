"""Printed letters: the day's batch is written once per pass (or per letter on request), not
once per letter, and still holds each letter exactly once whatever crashes in between.

The letters arrive here in SENDING (their keys claimed). Order of the writes:
1. add their ids to the day's batch document (a set, written by ``_id``);
2. write the PDF from that set (atomically: the old file or the new one, never half), keeping
   only letters in SENDING or SENT (one sent back to PENDING by a failed write stays out);
3. record each one SENT (with its event).
A crash before 3 leaves them SENDING: ``recover_in_flight`` brings them here again; step 1 finds
them in the set already, step 2 writes the same batch. No letter twice, none lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from rebub_shared.logging import get_logger

from ..domain import Letter
from .context import Context
from .ports import NotDeliveredError, NotifierStore
from .records import LetterState
from .sent import record_sent

log = get_logger(__name__)
IN_BATCH = (LetterState.SENDING, LetterState.SENT)


async def reprint_without(
    store: NotifierStore, ctx: Context, day: date, letter_ids: Sequence[str]
) -> None:
    """An erasure: the day's batch without these letters, rewritten from the letters left in it
    (their records are read again), or removed when none is left. The removed letters' records
    must be gone already (``forget_patron``), so a concurrent pass cannot put them back."""
    remaining = await store.remove_from_batch(day, letter_ids)
    content = []
    for letter_id in remaining:
        if (record := await store.get_letter(letter_id)) and record.state in IN_BATCH:
            content.append(record.letter)
    if content:
        await ctx.printer.write_batch(ctx.institution, day, content)
    else:
        await ctx.printer.remove_batch(ctx.institution, day)


async def print_batch(
    store: NotifierStore, ctx: Context, letters: Sequence[Letter], now: datetime
) -> dict[str, LetterState]:
    """Put printed letters in SENDING into their day's batch; return each one's new state."""
    by_day: dict[date, list[Letter]] = defaultdict(list)
    for letter in letters:
        by_day[letter.day].append(letter)
    states: dict[str, LetterState] = {}
    for day, group in sorted(by_day.items()):
        ours = {letter.key: letter for letter in group}
        content = []
        for letter_id in await store.add_to_batch(day, list(ours)):
            if letter_id in ours:
                content.append(ours[letter_id])
            elif (record := await store.get_letter(letter_id)) and record.state in IN_BATCH:
                content.append(record.letter)
        try:
            await ctx.printer.write_batch(ctx.institution, day, content)
        except NotDeliveredError as error:
            log.warning("printed_batch_not_written", day=day.isoformat(), error=str(error))
            for letter in group:
                await store.back_to_pending(letter.key, str(error))
                states[letter.key] = LetterState.PENDING
            continue
        for letter in group:
            await record_sent(store, ctx, letter, now, None)
            states[letter.key] = LetterState.SENT
    return states
