"""Letters on request: the activity report of a patron, the receipt of a loan, a hold available."""

from __future__ import annotations

from rebub_shared.clock import paris_date
from rebub_shared.logging import get_logger

from ..domain import (
    Letter,
    UnreachablePatronError,
    activity_report,
    hold_available,
    loan_receipt,
)
from ..domain.errors import NotifierDomainError, check_same_institution
from .commands import SendActivityReport, SendHoldAvailable, SendLoanReceipt
from .context import Context
from .ports import NotifierStore
from .records import LetterRecord, LetterState, Report
from .sending import send_letter

log = get_logger(__name__)


class UnknownPatronError(NotifierDomainError):
    """No patron with this id in the institution (not received from the patron topic)."""


class UnknownLoanError(NotifierDomainError):
    """No loan with this id in the institution."""


async def send_activity_report(
    command: SendActivityReport, store: NotifierStore, ctx: Context
) -> LetterRecord:
    """Email (or print) the patron's current loans; the same request id sends it once."""
    patron_id, request_id = command.patron_id, command.request_id
    patron = (await store.patrons([patron_id])).get(patron_id)
    if patron is None:
        raise UnknownPatronError(f"patron_id {patron_id!r} is not a patron of {ctx.institution}")
    loans = await store.loans_of_patron(patron_id)
    now = ctx.clock.now()
    return await _send_now(store, ctx, activity_report(patron, loans, paris_date(now), request_id))


async def send_loan_receipt(
    command: SendLoanReceipt, store: NotifierStore, ctx: Context
) -> LetterRecord:
    """Email (or print) the receipt of one loan; the same request id sends it once."""
    loan_id, request_id = command.loan_id, command.request_id
    loan = await store.get_loan(loan_id)
    if loan is None:
        raise UnknownLoanError(f"loan_id {loan_id!r} is not a loan of {ctx.institution}")
    patron = (await store.patrons([loan.patron_id])).get(loan.patron_id)
    if patron is None:
        raise UnknownPatronError(f"patron_id {loan.patron_id!r} of loan {loan_id!r} is unknown")
    now = ctx.clock.now()
    return await _send_now(store, ctx, loan_receipt(patron, [loan], paris_date(now), request_id))


async def send_hold_available(
    command: SendHoldAvailable, store: NotifierStore, ctx: Context
) -> LetterRecord | None:
    """Email (or print) the notice of `institution`'s request (`hold.kind`: hold available or
    expired, request cancelled, loan recalled); sent once per request and kind.

    A patron with no contact at all is reported ``unreachable`` (None is returned): the item
    still waits on the hold shelf, staff reach the patron another way.
    """
    institution, patron_id, hold = command.institution, command.patron_id, command.hold
    check_same_institution("request.institution", ctx.institution, institution)
    patron = (await store.patrons([patron_id])).get(patron_id)
    if patron is None:
        raise UnknownPatronError(
            f"patron_id {patron_id!r} of request {hold.request_id!r} is not a patron of "
            f"{ctx.institution}"
        )
    now = ctx.clock.now()
    try:
        letter = hold_available(patron, hold, paris_date(now))
    except UnreachablePatronError as error:
        kind = hold.kind.value
        report_id = f"unreachable:{ctx.institution}:{patron_id}:{kind}:{hold.request_id}"
        await store.add_report(
            Report(report_id, patron_id, "unreachable", (hold.request_id,), str(error), now)
        )
        log.warning("patron_unreachable", patron_id=patron_id, reason=str(error))
        return None
    return await _send_now(store, ctx, letter)


async def _send_now(store: NotifierStore, ctx: Context, letter: Letter) -> LetterRecord:
    async with ctx.lock:
        record = await store.record_pending(letter)
        if record.state is LetterState.PENDING:
            await send_letter(store, ctx, record, ctx.clock.now())
        stored = await store.get_letter(letter.key)
        assert stored is not None  # recorded just above
        return stored
