"""Letters on request: the activity report of a patron, the receipt of a loan."""

from __future__ import annotations

from rebub_shared.logging import get_logger

from ..domain import Letter, activity_report, loan_receipt, paris_day
from ..domain.errors import NotifierDomainError
from .notifier import Notifier
from .records import LetterRecord, LetterState
from .sending import send_letter

log = get_logger(__name__)


class UnknownPatronError(NotifierDomainError):
    """No patron with this id in the institution (not received from the patron topic)."""


class UnknownLoanError(NotifierDomainError):
    """No loan with this id in the institution."""


async def send_activity_report(n: Notifier, patron_id: str, request_id: str) -> LetterRecord:
    """Email (or print) the patron's current loans; the same request id sends it once."""
    patron = (await n.store.patrons([patron_id])).get(patron_id)
    if patron is None:
        raise UnknownPatronError(f"patron_id {patron_id!r} is not a patron of {n.institution}")
    loans = await n.store.loans_of_patron(patron_id)
    now = n.clock.now()
    return await _send_now(n, activity_report(patron, loans, paris_day(now), request_id))


async def send_loan_receipt(n: Notifier, loan_id: str, request_id: str) -> LetterRecord:
    """Email (or print) the receipt of one loan; the same request id sends it once."""
    loan = await n.store.get_loan(loan_id)
    if loan is None:
        raise UnknownLoanError(f"loan_id {loan_id!r} is not a loan of {n.institution}")
    patron = (await n.store.patrons([loan.patron_id])).get(loan.patron_id)
    if patron is None:
        raise UnknownPatronError(f"patron_id {loan.patron_id!r} of loan {loan_id!r} is unknown")
    now = n.clock.now()
    return await _send_now(n, loan_receipt(patron, [loan], paris_day(now), request_id))


async def _send_now(n: Notifier, letter: Letter) -> LetterRecord:
    async with n.lock:
        record = await n.store.record_pending(letter)
        if record.state is LetterState.PENDING:
            await send_letter(n, record, n.clock.now())
        stored = await n.store.get_letter(letter.key)
        assert stored is not None  # recorded just above
        return stored
