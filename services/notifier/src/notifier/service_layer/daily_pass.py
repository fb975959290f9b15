"""The scheduler's pass: send what is due on the Paris day of "now", catching up after downtime.

It can run any number of times a day: letters are recorded as pending under their one-per-day id
(patron, stage, day), keys already claimed are not due again, and every open letter, today's or
one an SMTP outage left behind, goes through ``send_letter``; the printed ones are written in the
day's batch once, at the end of the pass.

Cost of a pass: one read of the loans due, by their next stage day (``next_stage_on``: indexed;
their documents also carry the keys claimed for them), then reads by ``_id`` only: the keys not
noted on their loan, the patrons of the letters due, the open letters (and the loans of a letter
an earlier pass left pending). A loan read whose stage
is dealt with (sent, or none today) is scheduled for its next stage's day; a loan whose letter
goes out is scheduled by the note of its claim. Nothing scales with the active loans, or with the
keys or letters of earlier days: a pass with nothing due reads nothing but the index.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from rebub_shared.clock import paris_date
from rebub_shared.logging import get_logger

from ..domain import (
    CHAIN,
    Letter,
    LettersDue,
    LoanInChain,
    current_stage,
    idempotency_key,
    letters_due,
    next_stage_on,
)
from .commands import PlanDay, RunDailyPass
from .context import Context
from .ports import NotifierStore
from .printing import print_batch
from .records import ClaimNote, LetterRecord, LetterState, Report
from .sending import send_letter

log = get_logger(__name__)
CHAIN_KINDS = frozenset(stage.value for stage in CHAIN)
NOTES_AT_ONCE = 50  # claims noted on their loans in one bulk write (``BULK_CHUNK``)


@dataclass(frozen=True)
class PassSummary:
    """What one pass did: letters by resulting state, unreachable patrons, whether it stopped early."""

    day: date
    states: dict[str, int]
    unreachable: int
    interrupted: bool


@dataclass(frozen=True)
class DayPlan:
    """What a pass reads and computes before writing: the loans due by id, the keys of the
    stages they reached (`candidates`), and the letters due."""

    active: dict[str, LoanInChain]
    candidates: int
    due: LettersDue


async def plan_day(command: PlanDay, store: NotifierStore, ctx: Context) -> DayPlan:
    """Read and compute the letters due on `today`; `lap(step)` is called after each step."""
    today, lap = command.day, command.lap
    loans, noted = await store.due_chain(today)
    lap("read_loans_s")
    reached: dict[str, LoanInChain] = {}
    for loan in loans:
        stage = current_stage(loan.due_at, loan.due_set_at, today, ctx.settings.chain)
        if stage is not None:
            key = idempotency_key(ctx.institution, loan.loan_id, stage.stage, loan.due_version)
            reached[key] = loan
    # A claim is noted on its loan right after it is made; a key claimed but not noted (a crash
    # in between, or data from before the notes) is found by _id, and noted by the schedule.
    found = await store.claimed_keys([key for key in reached if key not in noted])
    claimed = noted | found
    if command.record:
        await store.note_claimed(
            [
                ClaimNote(reached[k].loan_id, k, next_day(ctx, reached[k], today))
                for k in sorted(found)
            ]
        )
        # Its letter's claim schedules a loan waiting for a letter; every other loan read is
        # dealt with until its next stage's day.
        left = {loan.loan_id for key, loan in reached.items() if key not in noted}
        await store.schedule(
            {loan.loan_id: next_day(ctx, loan, today) for loan in loans if loan.loan_id not in left}
        )
    lap("stages_and_claimed_keys_s")
    wanted = {loan.patron_id for key, loan in reached.items() if key not in claimed}
    patrons = await store.patrons(wanted)
    lap("read_patrons_s")
    due = letters_due(loans, patrons, today, claimed, ctx.settings)
    lap("letters_due_s")
    return DayPlan({loan.loan_id: loan for loan in loans}, len(reached), due)


async def _with_loans_of(
    store: NotifierStore, letter: Letter, active: dict[str, LoanInChain]
) -> dict[str, LoanInChain]:
    """The pass's loans, plus those of a letter left pending by an earlier pass (SMTP down):
    their claims scheduled them past today, so the pass did not read them; read by ``_id``."""
    for item in letter.items:
        if item.idempotency_key is not None and item.loan_id not in active:
            loan = await store.get_loan(item.loan_id)
            if loan is not None and loan.is_active:
                active[item.loan_id] = loan
    return active


def next_day(ctx: Context, loan: LoanInChain, today: date) -> date | None:
    """The loan's next stage day once the stage of `today` is dealt with."""
    return next_stage_on(loan.due_at, loan.due_set_at, today, ctx.settings.chain)


async def run_daily_pass(command: RunDailyPass, store: NotifierStore, ctx: Context) -> PassSummary:
    """Record today's letters as pending, then send every open pending letter (one at a time)."""
    now = command.now
    async with ctx.lock:
        today = paris_date(now)
        plan = await plan_day(PlanDay(today), store, ctx)
        for unreachable in plan.due.unreachable:
            report_id = (
                f"unreachable:{ctx.institution}:{unreachable.patron_id}:{unreachable.stage}:{today}"
            )
            await store.add_report(
                Report(
                    report_id,
                    unreachable.patron_id,
                    "unreachable",
                    unreachable.loan_ids,
                    unreachable.reason,
                    now,
                )
            )
            log.warning(
                "patron_unreachable", patron_id=unreachable.patron_id, reason=unreachable.reason
            )
        recorded: dict[str, LetterRecord] = {}
        await store.list_open(plan.due.letters)  # before they exist: never missing from it
        for letter in plan.due.letters:
            record = await store.record_pending(letter, keep_waiting=True, listed=True)
            recorded[record.letter_id] = record
        states: Counter[str] = Counter()
        printed: list[Letter] = []
        notes: list[ClaimNote] = []  # written together: one bulk write per NOTES_AT_ONCE
        interrupted = False
        for letter_id in await store.open_letter_ids():
            if ctx.stopping:
                interrupted = True
                break
            found = recorded.get(letter_id) or await store.get_letter(letter_id)
            if found is None or found.state is not LetterState.PENDING:
                continue  # in flight when a crash came: settled at the next start
            chain = found.letter.kind.value in CHAIN_KINDS
            active = await _with_loans_of(store, found.letter, plan.active) if chain else None
            state = await send_letter(store, ctx, found, now, active, printed, notes)
            if state is not LetterState.SENDING:
                states[state.value] += 1
            if len(notes) >= NOTES_AT_ONCE:
                await store.note_claimed(notes)
                notes.clear()
        await store.note_claimed(notes)
        states.update(
            state.value for state in (await print_batch(store, ctx, printed, now)).values()
        )
        summary = PassSummary(today, dict(states), len(plan.due.unreachable), interrupted)
        log.info(
            "daily_pass", day=today.isoformat(), states=summary.states, interrupted=interrupted
        )
        return summary
