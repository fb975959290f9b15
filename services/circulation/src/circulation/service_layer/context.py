"""What every handler is given besides its command and unit of work: the institution, its policy,
the clock and the loan id factory; and the guards common to the handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from circulation.domain import InstitutionPolicy
from circulation.domain.errors import TenantMismatchError
from circulation.domain.vocabulary import InstitutionCode
from rebub_shared.clock import Clock

from .errors import PatronAccountClosedError, UnknownDeskError, UnknownPatronError
from .ports import PatronRecord, UnitOfWork


class CurrentPolicy:
    """The policy in force, replaced whole when its file changes (``adapters.policy_files``):
    every read through ``Context.policy`` sees one complete, validated version."""

    def __init__(self, policy: InstitutionPolicy) -> None:
        self.value = policy

    def replace(self, policy: InstitutionPolicy) -> None:
        """Put a new version of the same institution's policy in force."""
        if policy.institution != self.value.institution:
            raise TenantMismatchError(
                f"institution={policy.institution!r} but the policy in force is "
                f"{self.value.institution!r}'s"
            )
        self.value = policy


@dataclass(frozen=True)
class Context:
    """One institution's circulation: its policy, its clock, how loans get their ids."""

    institution: InstitutionCode
    policies: CurrentPolicy
    clock: Clock
    new_loan_id: Callable[[], str]

    @property
    def policy(self) -> InstitutionPolicy:
        """The institution's policy in force now."""
        return self.policies.value

    def now(self) -> datetime:
        """Now, to the millisecond (what the store keeps, so a loan reads back unchanged)."""
        now = self.clock.now()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def check_tenant(self, institution: str) -> None:
        """A command for another institution never reaches this one's data."""
        if institution != self.institution:
            raise TenantMismatchError(
                f"institution={institution!r} but this service is {self.institution!r}"
            )

    def desk_library(self, desk: str | None) -> str:
        """The library of a circulation desk of the institution, or UnknownDeskError."""
        for library in self.policy.libraries:
            if any(known.code == desk for known in library.desks):
                return library.code
        raise UnknownDeskError("desk", desk, f"not a circulation desk of {self.institution}")


async def find_patron(
    uow: UnitOfWork, ctx: Context, ref: str, *, field: str = "patron", open_only: bool = False
) -> PatronRecord:
    """The patron named by primary id or card barcode, or UnknownPatronError naming ``field``."""
    record = await uow.patrons.find(ctx.institution, ref)
    if record is None:
        raise UnknownPatronError(
            field, ref, f"no patron with this primary id or card barcode in {ctx.institution}"
        )
    if open_only and record.closed:
        raise PatronAccountClosedError(field, ref, "the account is closed")
    return record
