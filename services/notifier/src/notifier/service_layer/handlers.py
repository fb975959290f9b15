"""Handlers of the consumed events: a loan moves in the chain, a patron's contact changes."""

from __future__ import annotations

from ..domain import LoanEvent, LoanInChain, PatronContact, apply_event
from ..domain.errors import check_same_institution
from .ports import NotifierStore


async def apply_loan_event(store: NotifierStore, event: LoanEvent) -> LoanInChain:
    """Apply one loan event to the stored chain state (idempotent on the loan version)."""
    check_same_institution("event.institution", store.institution, event.institution)
    current = await store.get_loan(event.loan_id)
    state = apply_event(current, event)
    if state != current:
        await store.save_loan(state)
    return state


async def apply_patron_change(store: NotifierStore, patron: PatronContact, version: int) -> bool:
    """Keep the patron's newest contact data; an older or repeated version changes nothing."""
    check_same_institution("patron.institution", store.institution, patron.institution)
    return await store.save_patron(patron, version)
