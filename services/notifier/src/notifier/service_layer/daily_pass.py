"""The scheduler's pass: send what is due on the Paris day of "now", catching up after downtime.

It can run any number of times a day: letters are recorded as pending under their one-per-day id
(patron, stage, day), keys already claimed are not due again, and every pending letter, today's or
one an SMTP outage left behind, goes through ``send_letter``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime

from rebub_shared.logging import get_logger

from ..domain import Letter, current_stage, idempotency_key, letters_due, paris_day
from .notifier import Notifier
from .records import LetterState, Report
from .sending import send_letter

log = get_logger(__name__)


@dataclass(frozen=True)
class PassSummary:
    """What one pass did: letters by resulting state, unreachable patrons, whether it stopped early."""

    day: date
    states: dict[str, int]
    unreachable: int
    interrupted: bool


async def run_daily_pass(n: Notifier, now: datetime) -> PassSummary:
    """Record today's letters as pending, then send every pending letter (one at a time)."""
    async with n.lock:
        today = paris_day(now)
        loans = await n.store.active_loans()
        patrons = await n.store.patrons({loan.patron_id for loan in loans})
        candidates = set()
        for loan in loans:
            reached = current_stage(loan.due_at, loan.due_set_at, today, n.settings.chain)
            if reached is not None:
                key = idempotency_key(n.institution, loan.loan_id, reached.stage, loan.due_version)
                candidates.add(key)
        claimed = await n.store.claimed_keys(candidates)
        due = letters_due(loans, patrons, today, claimed, n.settings)
        for unreachable in due.unreachable:
            report_id = (
                f"unreachable:{n.institution}:{unreachable.patron_id}:{unreachable.stage}:{today}"
            )
            await n.store.add_report(
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
        for letter in due.letters:
            await n.store.record_pending(await _with_waiting_items(n, letter))
        active = {loan.loan_id: loan for loan in loans}
        states: Counter[str] = Counter()
        interrupted = False
        for record in await n.store.letters_in(LetterState.PENDING):
            if n.stopping:
                interrupted = True
                break
            chain = bool(record.letter.idempotency_keys)
            state = await send_letter(n, record, now, active if chain else None)
            states[state.value] += 1
        summary = PassSummary(today, dict(states), len(due.unreachable), interrupted)
        log.info(
            "daily_pass", day=today.isoformat(), states=summary.states, interrupted=interrupted
        )
        return summary


async def _with_waiting_items(n: Notifier, letter: Letter) -> Letter:
    """Today's letter plus the items its pending version already claimed (SMTP was down): they
    are no longer due by ``letters_due`` since their keys are claimed, yet must stay in it."""
    stored = await n.store.get_letter(letter.key)
    if stored is None or stored.state is not LetterState.PENDING:
        return letter
    new = {item.loan_id for item in letter.items}
    waiting = tuple(item for item in stored.letter.items if item.loan_id not in new)
    return replace(letter, items=waiting + letter.items)
