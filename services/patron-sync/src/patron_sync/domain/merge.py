"""NZ -> IZ: applying an NZ account to an institution's copy, and guarding NZ-owned fields."""

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import AwareDatetime

from patron_sync.domain.accounts import AccountKind, Patron
from patron_sync.domain.errors import NzOwnedFieldError
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.domain.patron import NZ_OWNED_FIELDS
from rebub_shared.clock import check_aware
from rebub_shared.tenancy import InstitutionCode


@dataclass(frozen=True, slots=True)
class NzApplyResult:
    """``patron`` is the copy to store; ``applied`` is False for a replay or an older version
    (then ``patron`` is the current copy, untouched, and nothing needs writing)."""

    patron: Patron
    applied: bool


def link_from_nz(nz: NzAccount, tenant: InstitutionCode, now: AwareDatetime) -> Patron:
    """First use of an NZ account in ``tenant`` (desk search): a new IZ copy, no additions."""
    check_aware("now", now)
    return Patron(
        tenant=tenant,
        account_id=nz.record.primary_id,
        kind=AccountKind.EXTERNAL,
        record=nz.record,
        version=nz.version,
        updated_at=now,
    )


def apply_nz_account(
    current: Patron | None, nz: NzAccount, tenant: InstitutionCode, now: AwareDatetime
) -> NzApplyResult:
    """Versioned upsert of an NZ account into ``tenant``'s copy.

    A newer version replaces every NZ-owned field and keeps the institution's additions; a
    version not above the copy's is ignored, so replays and out-of-order deliveries never go
    backwards. ``current`` ``None`` means the account is linked now.
    """
    if current is None:
        return NzApplyResult(link_from_nz(nz, tenant, now), applied=True)
    if nz.version <= current.version:
        return NzApplyResult(current, applied=False)
    check_aware("now", now)
    update = {"record": nz.record, "version": nz.version, "updated_at": now}
    return NzApplyResult(current.model_copy(update=update), applied=True)


def check_local_edit(patron: Patron, fields: Iterable[str]) -> None:
    """Refuse a local edit touching an NZ-owned field of an external account.

    Raises :class:`NzOwnedFieldError` naming the first such field (in sorted order) and the
    account. Internal accounts (external readers, waiting accounts) are not NZ-owned.
    """
    if patron.kind is not AccountKind.EXTERNAL:
        return
    owned = sorted(set(fields) & NZ_OWNED_FIELDS)
    if owned:
        raise NzOwnedFieldError(
            owned[0],
            patron.account_id,
            "belongs to the DSI feed (network zone) and is overwritten by the next import",
        )
