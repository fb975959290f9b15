"""A lost database rebuilt from the topics: the open loans come back from the compacted
``{inst}.circulation.loan-state.v1``, which circulation itself writes beside every loan change.

In normal operation the consumer reads its own writes and finds each loan already stored (one read
by id). After a rebuild (an empty store, the group's offset at the topic's start) every open loan
is written back without events, so nothing is published again. What the state does not carry
(the desk session, notes, an override's record) does not come back (docs/operations.md).
"""

from __future__ import annotations

from circulation.domain import Loan
from circulation.domain.vocabulary import LoanStatus, RenewalOrigin
from rebub_shared.contracts.loans import LoanSnapshot

from .context import Context
from .loan_commands import ForgetRestoredLoan, RestoreLoan
from .ports import StoredLoan, UnitOfWork

RULE_SEPARATOR = ", "  # how ``LoanSnapshot.policy`` joins the rule names


def stored_loan(snapshot: LoanSnapshot) -> StoredLoan:
    """The loan as the state record gives it, at the record's version."""
    origin = snapshot.last_renewal_origin
    loan = Loan(
        loan_id=snapshot.loan_id,
        institution=snapshot.institution,
        patron_id=snapshot.patron_id,
        item_barcode=snapshot.item_barcode,
        title=snapshot.title,
        library=snapshot.library,
        location=snapshot.location,
        loaned_at=snapshot.loan_date,
        due_at=snapshot.due_date,
        original_due_at=snapshot.original_due_date,
        returned_at=snapshot.return_date,
        status=LoanStatus(snapshot.status),
        renewal_count=snapshot.renewal_count,
        last_renewal_origin=RenewalOrigin(origin) if origin else None,
        rule_names=tuple(snapshot.policy.split(RULE_SEPARATOR)) if snapshot.policy else (),
        version=snapshot.version,
    )
    return StoredLoan(loan, circ_desk=snapshot.circ_desk, return_desk=snapshot.return_desk)


async def restore_loan(cmd: RestoreLoan, uow: UnitOfWork, ctx: Context) -> bool:
    """Write the loan back when the store lacks it (or holds an older restored state)."""
    ctx.check_tenant(cmd.institution)
    ctx.check_tenant(cmd.loan.institution)
    return await uow.loans.restore(ctx.institution, stored_loan(cmd.loan))


async def forget_restored_loan(cmd: ForgetRestoredLoan, uow: UnitOfWork, ctx: Context) -> bool:
    """Remove a restored loan that closed since its state was written (a later tombstone)."""
    ctx.check_tenant(cmd.institution)
    return await uow.loans.forget_restored(ctx.institution, cmd.loan_id)
