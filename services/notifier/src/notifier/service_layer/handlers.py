"""Handlers of the consumed events (a loan moves in the chain, a patron's contact changes) and
of what staff read (letters, reports)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from rebub_shared.clock import paris_date
from rebub_shared.contracts.loans import ANONYMISED_PATRON

from ..domain import Channel, LoanInChain, apply_event, next_stage_on
from ..domain.errors import check_same_institution
from .commands import (
    ApplyLoanEvent,
    ApplyPatronChange,
    FindLetters,
    ForgetPatron,
    ForgetRestoredLoan,
    ListReports,
    RestoreLoan,
)
from .context import Context
from .ports import NotifierStore
from .printing import IN_BATCH, reprint_without
from .records import LetterRecord, Report


async def apply_loan_event(
    command: ApplyLoanEvent, store: NotifierStore, ctx: Context
) -> LoanInChain:
    """Apply one loan event to the stored chain state (idempotent on the loan version)."""
    event = command.event
    check_same_institution("event.institution", store.institution, event.institution)
    current = await store.get_loan(event.loan_id)
    state = apply_event(current, event)
    # An anonymised loan (an erasure's, open or returned later) names nobody to write to: it
    # stays out of the chain, so no "patron unknown" report comes of it.
    if state != current and state.patron_id != ANONYMISED_PATRON:
        await store.save_loan(state)
    return state


async def restore_loan(command: RestoreLoan, store: NotifierStore, ctx: Context) -> bool:
    """A loan's state from the loan-state topic, applied as its loan event would be, when the
    loan events have not written the loan (a rebuild; in normal operation they wrote it and it
    is left to them). A restored loan is scheduled from the day of the rebuild: a stage whose
    day fell before it is taken as dealt with (sent, or superseded, by the database that was
    lost), so no letter goes out twice; a stage of that day or later is sent as usual.
    """
    event = command.event
    check_same_institution("event.institution", store.institution, event.institution)
    current = await store.get_loan(event.loan_id)
    state = apply_event(current, event)
    if state == current:
        return False
    yesterday = paris_date(ctx.clock.now()) - timedelta(days=1)
    next_day = next_stage_on(state.due_at, state.due_set_at, yesterday, ctx.settings.chain)
    return await store.restore_loan(state, next_day)


async def forget_restored_loan(
    command: ForgetRestoredLoan, store: NotifierStore, ctx: Context
) -> bool:
    """A tombstone on the loan-state topic: a restored loan still active has closed since."""
    return await store.forget_restored(command.loan_id)


async def apply_patron_change(
    command: ApplyPatronChange, store: NotifierStore, ctx: Context
) -> bool:
    """Keep the patron's newest contact data; an older or repeated version changes nothing."""
    patron = command.patron
    check_same_institution("patron.institution", store.institution, patron.institution)
    return await store.save_patron(patron, command.version)


async def forget_patron(command: ForgetPatron, store: NotifierStore, ctx: Context) -> int:
    """The patron is gone: contact data removed (no letter can reach them any more); for an
    erasure (issue 21) everything else naming them too (``NotifierStore.forget_patron``).
    Returns how many letters went; a replay removes nothing more."""
    check_same_institution("institution", store.institution, command.institution)
    printed: dict[date, list[str]] = defaultdict(list)
    if command.erasure:  # the printed batches that hold their letters, rewritten without them
        for record in await store.find_letters(patron_id=command.patron_id):
            if record.letter.channel == Channel.POST and record.state in IN_BATCH:
                printed[record.letter.day].append(record.letter.key)
    removed = await store.forget_patron(command.patron_id, letters=command.erasure)
    for day, letter_ids in sorted(printed.items()):
        await reprint_without(store, ctx, day, letter_ids)
    return removed


async def find_letters(
    command: FindLetters, store: NotifierStore, ctx: Context
) -> list[LetterRecord]:
    """The letters of a patron or of a loan, every state included."""
    return await store.find_letters(command.patron_id, command.loan_id)


async def list_reports(command: ListReports, store: NotifierStore, ctx: Context) -> list[Report]:
    """The cases for staff."""
    return await store.reports()
