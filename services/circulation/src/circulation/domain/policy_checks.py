"""Cross-checks of an institution policy, run when it is loaded.

Each failure is a ValueError whose text starts with the field path, e.g.
``loan_rules[2].user_groups: unknown user group 'X'``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rebub_shared.user_groups import UserGroup

from .vocabulary import BlockKind, TermsOfUse

NETWORK_USER_GROUPS = tuple(g.value for g in UserGroup)

if TYPE_CHECKING:
    from .policy import InstitutionPolicy

_LOANABLE_TERMS = frozenset(TermsOfUse) - {TermsOfUse.READING_ROOM_ONLY}
ALL_GROUPS = "*"


def duplicates(codes: Iterable[str]) -> list[str]:
    """Codes that appear more than once, sorted."""
    return sorted(code for code, count in Counter(codes).items() if count > 1)


def cross_check(policy: InstitutionPolicy) -> None:
    """Raise ValueError naming the first inconsistent field of the policy."""
    if BlockKind.ITEM_NOT_LOANABLE in policy.overridable_blocks:
        raise ValueError("overridable_blocks: 'item_not_loanable' cannot be overridden")
    _check_unique(policy)
    _check_groups(policy)
    _check_terms_covered(policy)


def _check_unique(policy: InstitutionPolicy) -> None:
    checks: list[tuple[str, Iterable[str]]] = [
        ("user_groups", (g.code for g in policy.user_groups)),
        ("libraries", (lib.code for lib in policy.libraries)),
        ("item_policies", (p.code for p in policy.item_policies)),
        ("loan_rules", (r.name for r in policy.loan_rules)),
    ]
    for index, library in enumerate(policy.libraries):
        checks.append((f"libraries[{index}].locations", (loc.code for loc in library.locations)))
        checks.append((f"libraries[{index}].desks", (desk.code for desk in library.desks)))
    for path, codes in checks:
        if repeated := duplicates(codes):
            raise ValueError(f"{path}: duplicate codes {repeated}")


def _check_groups(policy: InstitutionPolicy) -> None:
    for i, declared in enumerate(policy.user_groups):
        if declared.code not in NETWORK_USER_GROUPS:
            raise ValueError(
                f"user_groups[{i}].code: {declared.code!r} is not a user group of the network "
                f"(one of {', '.join(NETWORK_USER_GROUPS)})"
            )
    known = policy.group_codes() | {ALL_GROUPS}
    named: list[tuple[str, Iterable[str]]] = [
        (f"loan_rules[{i}].user_groups", rule.user_groups)
        for i, rule in enumerate(policy.loan_rules)
    ]
    for i, item_policy in enumerate(policy.item_policies):
        named += [
            (f"item_policies[{i}].rules[{j}].user_groups", rule.user_groups)
            for j, rule in enumerate(item_policy.rules)
        ]
    named.append(("loan_limit.by_user_group", policy.loan_limit.by_user_group))
    for path, groups in named:
        for group in groups:
            if group not in known:
                raise ValueError(f"{path}: unknown user group {group!r}")
    for i, rule in enumerate(policy.loan_rules):
        if rule.terms_of_use is TermsOfUse.READING_ROOM_ONLY:
            raise ValueError(f"loan_rules[{i}].terms_of_use: 'reading_room_only' cannot lend")


def _check_terms_covered(policy: InstitutionPolicy) -> None:
    """Every loanable terms of use used by a location has a rule for every user group."""
    for i, library in enumerate(policy.libraries):
        for j, location in enumerate(library.locations):
            if location.terms_of_use not in _LOANABLE_TERMS:
                continue
            rules = [r for r in policy.loan_rules if r.terms_of_use == location.terms_of_use]
            for group in sorted(policy.group_codes()):
                if not any(rule.applies_to(group) for rule in rules):
                    raise ValueError(
                        f"libraries[{i}].locations[{j}].terms_of_use: no loan rule for "
                        f"{location.terms_of_use.value!r} and user group {group!r}"
                    )
