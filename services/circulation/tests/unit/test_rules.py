"""Rule resolution: item exception > location rule, per user group; the deciding rule is named."""

from collections.abc import Callable

import pytest

from circulation.domain import InstitutionPolicy, Item, resolve_rule
from circulation.domain.errors import UnknownPolicyEntryError
from circulation.domain.period import Period
from circulation.domain.vocabulary import TermsOfUse


@pytest.mark.parametrize(
    ("group", "period", "rule"),
    [
        ("L", "P1M", "ub-empruntable-1-mois"),
        ("M", "P1M", "ub-empruntable-1-mois"),
        ("LECTEUR_EXTERIEUR", "P1M", "ub-empruntable-1-mois"),
        ("D", "P2M", "ub-empruntable-2-mois"),
        ("PERSONNEL", "P2M", "ub-empruntable-2-mois"),
        ("ENSEIGNANT", "P2M", "ub-empruntable-2-mois"),
    ],
)
def test_location_rule_per_user_group(
    ub: InstitutionPolicy, make_item: Callable[..., Item], group: str, period: str, rule: str
) -> None:
    item = make_item("ub", "BUST", "BUST-LA")
    decision = resolve_rule(ub, item, group)
    assert decision.loanable
    assert decision.period == Period.parse(period)
    assert decision.rule_names == (rule,)
    assert decision.criteria.terms_of_use is TermsOfUse.BORROWABLE
    assert decision.criteria.user_group == group


def test_item_exception_for_all_groups_beats_location_rule(
    ub: InstitutionPolicy, make_item: Callable[..., Item]
) -> None:
    item = make_item("ub", "BUST", "BUST-LA", item_policy="2-semaines")
    decision = resolve_rule(ub, item, "ENSEIGNANT")
    assert decision.period == Period(days=14)
    assert decision.rule_names == ("item-policy:2-semaines",)
    assert decision.criteria.item_policy == "2-semaines"


def test_item_exception_for_one_group_leaves_others_to_location_rule(
    ub: InstitutionPolicy, make_item: Callable[..., Item]
) -> None:
    item = make_item("ub", "DEG", "DEG-LA", item_policy="2-semaines-licence")
    licence, master = resolve_rule(ub, item, "L"), resolve_rule(ub, item, "M")
    assert (licence.period, licence.rule_names) == (
        Period(days=14),
        ("item-policy:2-semaines-licence",),
    )
    assert (master.period, master.rule_names) == (Period(months=1), ("ub-empruntable-1-mois",))


def test_reading_room_item_exception_is_not_loanable(
    ub: InstitutionPolicy, make_item: Callable[..., Item]
) -> None:
    item = make_item("ub", "BUST", "BUST-LA", item_policy="sur-place")
    decision = resolve_rule(ub, item, "D")
    assert not decision.loanable
    assert decision.period is None
    assert decision.rule_names == ("item-policy:sur-place",)


def test_reading_room_location_is_not_loanable(
    ub: InstitutionPolicy, make_item: Callable[..., Item]
) -> None:
    decision = resolve_rule(ub, make_item("ub", "BUST", "BUST-USUELS"), "ENSEIGNANT")
    assert not decision.loanable
    assert "reading room only" in decision.explanation


def test_evening_weekend_rule_is_in_hours_and_not_renewable(
    ub: InstitutionPolicy, make_item: Callable[..., Item]
) -> None:
    decision = resolve_rule(ub, make_item("ub", "BUST", "BUST-SOIR"), "M")
    assert decision.period == Period(hours=12)
    assert not decision.renewable


def test_unknown_user_group_is_refused(
    ub: InstitutionPolicy, make_item: Callable[..., Item]
) -> None:
    with pytest.raises(UnknownPolicyEntryError, match="user_group='BSA_ETUDIANT'"):
        resolve_rule(ub, make_item("ub", "BUST", "BUST-LA"), "BSA_ETUDIANT")
