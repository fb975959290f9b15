"""Batches of loan writes, shared by the MongoDB and in-memory repositories."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from circulation.domain.vocabulary import InstitutionCode
from circulation.service_layer.errors import ConcurrentUpdateError
from circulation.service_layer.ports import StoredLoan

Save = Callable[[InstitutionCode, StoredLoan], Awaitable[None]]


async def save_each(
    save: Save, institution: InstitutionCode, stored: Sequence[StoredLoan]
) -> set[str]:
    """One versioned write per loan; the ids of the loans that changed meanwhile (not written).

    Not a bulk write: FerretDB v1 pushes down only an ``_id`` filter, and a bulk write of
    guarded updates scans the collection once per update, holding its lock.
    """
    failed: set[str] = set()
    for one in stored:
        try:
            await save(institution, one)
        except ConcurrentUpdateError:
            failed.add(one.loan.loan_id)
    return failed
