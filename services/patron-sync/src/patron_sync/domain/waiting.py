"""Waiting accounts (comptes d'attente): temporary accounts for institutional readers whose record
has not arrived yet. Default: when it arrives, the waiting account is merged into it and closed."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from pydantic import AwareDatetime

from patron_sync.domain.accounts import AccountKind, AccountStatus, Patron
from patron_sync.domain.errors import (
    AccountKindError,
    FixedFieldError,
    WaitingAccountMismatchError,
)
from patron_sync.domain.events import WaitingAccountMerged
from patron_sync.domain.external_readers import check_desk_expiry
from patron_sync.domain.patron import PatronRecord
from patron_sync.domain.user_groups import check_user_group
from rebub_shared.clock import check_aware
from rebub_shared.tenancy import InstitutionCode

WAITING_PREFIX = "ATT-"


def open_waiting_account(
    tenant: InstitutionCode, record: PatronRecord, now: AwareDatetime
) -> Patron:
    """Open a waiting account in ``tenant`` for the institutional reader ``record.primary_id``.

    Its id is ``ATT-<primary id>``; the user group must be one ``tenant``'s feed uses.
    """
    check_aware("now", now)
    check_user_group(record.user_group, tenant)
    check_desk_expiry(record.expiry_date, now)
    return Patron(
        tenant=tenant,
        account_id=f"{WAITING_PREFIX}{record.primary_id}",
        kind=AccountKind.WAITING,
        record=record.model_copy(update={"source_institution": tenant}),
        updated_at=now,
    )


def check_waiting_edit(waiting: Patron, changes: Mapping[str, object], now: AwareDatetime) -> None:
    """A waiting account stays in its institution, and its expiry stays plausible (the primary id
    it waits for may be corrected, if no other account holds it: the service layer checks)."""
    institution = changes.get("source_institution", waiting.tenant)
    if institution != waiting.tenant:
        raise FixedFieldError("source_institution", institution, "a waiting account stays here")
    expiry = changes.get("expiry_date")
    if isinstance(expiry, date):
        check_desk_expiry(expiry, now)


@dataclass(frozen=True, slots=True)
class WaitingMerge:
    """Result of a merge: the institutional account with the waiting account's additions, the
    closed waiting account (kept for history) and the event asking circulation to move loans."""

    institutional: Patron
    closed_waiting: Patron
    event: WaitingAccountMerged


def merge_waiting_account(
    waiting: Patron,
    institutional: Patron,
    now: AwareDatetime,
    *,
    confirmed_by_staff: bool = False,
) -> WaitingMerge:
    """Merge ``waiting`` into the institutional (external) account of the same IZ.

    They match on primary id, or on a match staff confirmed (``confirmed_by_staff``). The
    waiting account's local additions (barcodes, notes, blocks, statistics) are carried over;
    the institutional record (NZ-owned) wins over the waiting record.
    """
    check_aware("now", now)
    if waiting.kind is not AccountKind.WAITING or waiting.status is not AccountStatus.ACTIVE:
        raise AccountKindError("account_id", waiting.account_id, "is no open waiting account")
    if institutional.kind is not AccountKind.EXTERNAL:
        raise AccountKindError(
            "account_id", institutional.account_id, "is no institutional account"
        )
    if waiting.tenant != institutional.tenant:
        raise WaitingAccountMismatchError("tenant", institutional.tenant, "other institution")
    same_id = waiting.record.primary_id == institutional.record.primary_id
    if not (same_id or confirmed_by_staff):
        raise WaitingAccountMismatchError(
            "primary_id", institutional.record.primary_id, f"does not match {waiting.account_id}"
        )
    # Barcodes move with the reader (and stay unique): the closed account releases them.
    on_record = {(i.id_type, i.value) for i in institutional.record.identifiers}
    moved = tuple(i for i in waiting.additions.identifiers if (i.id_type, i.value) not in on_record)
    carried = waiting.additions.model_copy(update={"identifiers": moved})
    additions = institutional.additions.merged_with(carried)
    merged = institutional.model_copy(update={"additions": additions, "updated_at": now})
    closed = waiting.model_copy(
        update={
            "additions": waiting.additions.model_copy(update={"identifiers": ()}),
            "status": AccountStatus.CLOSED,
            "merged_into": institutional.account_id,
            "updated_at": now,
        }
    )
    event = WaitingAccountMerged(
        tenant=waiting.tenant,
        waiting_id=waiting.account_id,
        primary_id=institutional.account_id,
        merged_at=now,
    )
    return WaitingMerge(merged, closed, event)
