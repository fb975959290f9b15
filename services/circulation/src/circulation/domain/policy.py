"""An institution's circulation policy: loan rules, item exceptions, limits and blocks.

Loaded from ``policies/{institution}.yaml`` by ``circulation.domain.policies``; this module is
pure data and validation. Cross-checks raise a ValueError whose text names the field path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import Field, model_validator

from rebub_shared.retention import Period

from .closures import PublicHolidays, YearlyClosure
from .errors import UnknownPolicyEntryError
from .period import PeriodField
from .policy_checks import ALL_GROUPS, cross_check
from .policy_library import ClosedDays, Library, Location
from .values import PolicyModel
from .vocabulary import BlockKind, InstitutionCode, TermsOfUse


class UserGroup(PolicyModel):
    """A user group (groupe d'usagers): L, M, D, staff, external readers, or local ones."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)


class LoanRule(PolicyModel):
    """The loan period for one terms of use and some user groups (``"*"`` for all groups)."""

    name: str = Field(min_length=1)
    terms_of_use: TermsOfUse
    user_groups: list[str] = Field(min_length=1)
    period: PeriodField
    renewable: bool = True

    def applies_to(self, user_group: str) -> bool:
        """True if the rule names this group or all groups."""
        return user_group in self.user_groups or ALL_GROUPS in self.user_groups


class ItemPolicyRule(PolicyModel):
    """Inside an item policy: the period for some user groups (``"*"`` for all)."""

    user_groups: list[str] = Field(min_length=1)
    period: PeriodField


class ItemPolicy(PolicyModel):
    """An item-level exception: its own periods, or reading room only. Beats the location rule."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    reading_room_only: bool = False
    rules: list[ItemPolicyRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules_or_reading_room(self) -> ItemPolicy:
        if self.reading_room_only == bool(self.rules):
            raise ValueError("an item policy has either 'rules' or 'reading_room_only: true'")
        return self


class LoanLimit(PolicyModel):
    """Maximum items on loan, the same in every library of the institution; per group if set."""

    default: int = Field(ge=0)
    by_user_group: dict[str, int] = Field(default_factory=dict)


#: The patron blocks a renewal may be refused for (the loan limit and the item's own state do
#: not concern a loan already made).
RENEWAL_GUARDABLE = frozenset(
    {
        BlockKind.OVERDUE,
        BlockKind.SUSPENSION,
        BlockKind.LITIGATION,
        BlockKind.EXPIRED_ACCOUNT,
        BlockKind.LOCAL_BLOCK,
    }
)


class RenewalGuards(PolicyModel):
    """Which patron blocks refuse a renewal, and which of those a manager may override (with a
    reason, recorded). Default (DOMAIN is silent): suspension, litigation, an expired account
    and staff blocks refuse; all but litigation may be overridden."""

    refusing: list[BlockKind] = Field(
        default_factory=lambda: [
            BlockKind.SUSPENSION,
            BlockKind.LITIGATION,
            BlockKind.EXPIRED_ACCOUNT,
            BlockKind.LOCAL_BLOCK,
        ]
    )
    overridable: list[BlockKind] = Field(
        default_factory=lambda: [
            BlockKind.SUSPENSION,
            BlockKind.EXPIRED_ACCOUNT,
            BlockKind.LOCAL_BLOCK,
        ]
    )

    @model_validator(mode="after")
    def _known_kinds(self) -> RenewalGuards:
        for index, kind in enumerate(self.refusing):
            if kind not in RENEWAL_GUARDABLE:
                raise ValueError(f"refusing[{index}]: {kind.value!r} does not concern a renewal")
        for index, kind in enumerate(self.overridable):
            if kind not in self.refusing:
                raise ValueError(f"overridable[{index}]: {kind.value!r} is not in 'refusing'")
        return self


LOAN_HISTORY = Period(
    days=365,
    reason="DOMAIN.md section 8: the account's Returns tab shows the loan history of 1 year; "
    "its Requests tab keeps the same year; the network activity tab shows the year too",
)


class InstitutionPolicy(PolicyModel):
    """Everything circulation needs to know about one institution's rules and libraries."""

    institution: InstitutionCode
    name: str = Field(min_length=1)
    user_groups: list[UserGroup] = Field(min_length=1)
    renewal_period: PeriodField
    suspension_after_late_return: bool
    litigation_after_days: int = Field(default=35, ge=1)
    # Default (DOMAIN is silent): a held item waits 7 Paris days on the hold shelf.
    hold_shelf_days: int = Field(default=7, ge=1)
    # Default: the requester is told a hold expires soon on the eve of its last day (0: never).
    hold_expiry_notice_days: int = Field(default=1, ge=0)
    history: Period = Field(
        default=LOAN_HISTORY,
        description="How long a closed loan keeps its patron, and a request no longer active its "
        "requester (then anonymised by the retention job), and why.",
    )
    loan_limit: LoanLimit
    overridable_blocks: list[BlockKind] = Field(default_factory=list)
    # The calendar: public holidays of the law, closures every year, then dated exceptions.
    public_holidays: PublicHolidays | None = None
    yearly_closures: list[YearlyClosure] = Field(default_factory=list)
    renewal_guards: RenewalGuards = Field(default_factory=RenewalGuards)
    closed_days: list[ClosedDays] = Field(default_factory=list)
    loan_rules: list[LoanRule] = Field(min_length=1)
    item_policies: list[ItemPolicy] = Field(default_factory=list)
    libraries: list[Library] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_check(self) -> InstitutionPolicy:
        cross_check(self)
        return self

    @property
    def history_days(self) -> int:
        """Days of the loan and request history (``history``)."""
        return self.history.days

    def group_codes(self) -> set[str]:
        """Codes of the institution's user groups."""
        return {group.code for group in self.user_groups}

    def library(self, code: str) -> Library:
        """The library with this code, or UnknownPolicyEntryError."""
        return _find(self.libraries, code, f"{self.institution} library")

    def location(self, library_code: str, location_code: str) -> Location:
        """A location of a library, or UnknownPolicyEntryError."""
        library = self.library(library_code)
        return _find(library.locations, location_code, f"location of library {library_code!r}")

    def item_policy(self, code: str) -> ItemPolicy:
        """The item policy (item-level exception) with this code."""
        return _find(self.item_policies, code, f"{self.institution} item policy")

    def loan_limit_for(self, user_group: str) -> int:
        """The loan limit of a user group (the institution default when not set per group)."""
        return self.loan_limit.by_user_group.get(user_group, self.loan_limit.default)


_Entry = TypeVar("_Entry", Library, Location, ItemPolicy)


def _find(entries: Iterable[_Entry], code: str, what: str) -> _Entry:
    for entry in entries:
        if entry.code == code:
            return entry
    raise UnknownPolicyEntryError(f"{what} code={code!r} is not in the policy")
