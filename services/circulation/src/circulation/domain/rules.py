"""Which loan rule applies to an item for a patron: item exception > location rule, per group.

The decision names the rule(s) that decided and the criteria used, so that a loan can store
them and the "check the rules" action can show them.
"""

from __future__ import annotations

from .errors import UnknownPolicyEntryError
from .item import Item
from .period import PeriodField
from .policy import InstitutionPolicy, ItemPolicy
from .policy_checks import ALL_GROUPS
from .values import ValueModel
from .vocabulary import TermsOfUse


class RuleCriteria(ValueModel):
    """The inputs of the decision: location terms of use, item exception, user group."""

    library: str
    location: str
    terms_of_use: TermsOfUse
    item_policy: str | None
    user_group: str


class RuleDecision(ValueModel):
    """The outcome: loanable or not, the loan period, and which rule(s) decided and why."""

    criteria: RuleCriteria
    loanable: bool
    period: PeriodField | None
    renewable: bool
    rule_names: tuple[str, ...]
    explanation: str


def resolve_rule(policy: InstitutionPolicy, item: Item, user_group: str) -> RuleDecision:
    """Decide the loan rule of ``item`` for a patron of ``user_group``.

    An item policy that covers the group (or is reading room only) wins; otherwise the rule of
    the location's terms of use for the group. A rule naming the group beats a ``"*"`` rule.
    """
    if user_group not in policy.group_codes():
        raise UnknownPolicyEntryError(f"user_group={user_group!r} is not in {policy.institution}")
    location = policy.location(item.library, item.location)
    criteria = RuleCriteria(
        library=item.library,
        location=item.location,
        terms_of_use=location.terms_of_use,
        item_policy=item.item_policy,
        user_group=user_group,
    )
    if item.item_policy is not None:
        exception = policy.item_policy(item.item_policy)
        decided = _from_item_policy(exception, criteria)
        if decided is not None:
            return decided
    if location.terms_of_use is TermsOfUse.READING_ROOM_ONLY:
        return _not_loanable(criteria, f"location {location.code!r} is reading room only")
    rules = [r for r in policy.loan_rules if r.terms_of_use == location.terms_of_use]
    rule = next((r for r in rules if user_group in r.user_groups), None)
    rule = rule or next(r for r in rules if r.applies_to(user_group))  # covered at load
    return RuleDecision(
        criteria=criteria,
        loanable=True,
        period=rule.period,
        renewable=rule.renewable and not rule.period.in_hours,
        rule_names=(rule.name,),
        explanation=f"location {location.code!r} is {location.terms_of_use.value}; rule "
        f"{rule.name!r} gives {rule.period} to user group {user_group!r}",
    )


def _from_item_policy(exception: ItemPolicy, criteria: RuleCriteria) -> RuleDecision | None:
    name = f"item-policy:{exception.code}"
    if exception.reading_room_only:
        return _not_loanable(criteria, f"item policy {exception.code!r} is reading room only", name)
    group = criteria.user_group
    rule = next((r for r in exception.rules if group in r.user_groups), None)
    rule = rule or next((r for r in exception.rules if ALL_GROUPS in r.user_groups), None)
    if rule is None:
        return None  # the exception does not concern this group: the location rule applies
    return RuleDecision(
        criteria=criteria,
        loanable=True,
        period=rule.period,
        renewable=not rule.period.in_hours,
        rule_names=(name,),
        explanation=f"item policy {exception.code!r} ({exception.name}) gives {rule.period} "
        f"to user group {group!r}, instead of the location rule",
    )


def _not_loanable(criteria: RuleCriteria, why: str, *names: str) -> RuleDecision:
    return RuleDecision(
        criteria=criteria,
        loanable=False,
        period=None,
        renewable=False,
        rule_names=names or (f"terms-of-use:{criteria.terms_of_use.value}",),
        explanation=why,
    )
