"""Policy files: all five load; a broken file names the file, the field path and the value."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from circulation.domain.errors import PolicyFileError
from circulation.domain.policies import (
    DEFAULT_POLICIES_DIR,
    load_institution_policy,
    load_policy_file,
)
from circulation.domain.vocabulary import TermsOfUse


@pytest.mark.parametrize("code", ["ub", "ubm", "scpo", "inp", "bsa"])
def test_every_policy_file_loads(code: str) -> None:
    policy = load_institution_policy(code)
    assert policy.institution == code
    assert policy.litigation_after_days == 35
    assert policy.library(policy.libraries[0].code).desks


def test_institution_settings_follow_the_domain_table() -> None:
    renewal = {c: str(load_institution_policy(c).renewal_period) for c in ("ub", "ubm", "inp")}
    suspension = {
        c: load_institution_policy(c).suspension_after_late_return
        for c in ("ub", "ubm", "scpo", "inp", "bsa")
    }
    assert renewal == {"ub": "P14D", "ubm": "P7D", "inp": "P7D"}
    assert suspension == {"ub": False, "ubm": False, "scpo": True, "inp": True, "bsa": True}


def test_sciences_po_and_agro_have_their_own_user_groups() -> None:
    assert {"SCPO_ETUDIANT", "SCPO_PERSONNEL"} <= load_institution_policy("scpo").group_codes()
    assert {"BSA_ETUDIANT", "BSA_PERSONNEL"} <= load_institution_policy("bsa").group_codes()


def _ub_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEFAULT_POLICIES_DIR / "ub.yaml").read_text())
    return data


def _load_broken(tmp_path: Path, data: dict[str, Any], name: str = "ub.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path)
    assert str(path) in str(caught.value)
    return str(caught.value)


def test_bad_period_names_field_and_value(tmp_path: Path) -> None:
    data = _ub_data()
    data["loan_rules"][1]["period"] = "P2X"
    message = _load_broken(tmp_path, data)
    assert "loan_rules[1].period" in message
    assert "'P2X'" in message


def test_bad_opening_hours_name_field_and_value(tmp_path: Path) -> None:
    data = _ub_data()
    data["libraries"][2]["opening_hours"]["monday"] = "8h30-22h"
    message = _load_broken(tmp_path, data)
    assert "libraries[2].opening_hours.monday" in message
    assert "'8h30-22h'" in message


def test_unknown_terms_of_use_names_field_and_value(tmp_path: Path) -> None:
    data = _ub_data()
    data["libraries"][0]["locations"][1]["terms_of_use"] = "borowable"
    message = _load_broken(tmp_path, data)
    assert "libraries[0].locations[1].terms_of_use" in message
    assert "'borowable'" in message


def test_misspelt_key_is_refused(tmp_path: Path) -> None:
    data = _ub_data()
    data["renewal_perod"] = data.pop("renewal_period")
    message = _load_broken(tmp_path, data)
    assert "renewal_perod" in message
    assert "renewal_period: Field required" in message


def test_unknown_user_group_in_a_rule(tmp_path: Path) -> None:
    data = _ub_data()
    data["loan_rules"][0]["user_groups"].append("doctorant")
    message = _load_broken(tmp_path, data)
    assert "loan_rules[0].user_groups: unknown user group 'doctorant'" in message


def test_a_group_unknown_to_the_network_is_refused(tmp_path: Path) -> None:
    # Patrons arrive with patron-sync's group codes: a policy group must be one of them.
    data = _ub_data()
    data["user_groups"][0]["code"] = "licence"
    message = _load_broken(tmp_path, data)
    assert "user_groups[0].code: 'licence' is not a user group of the network" in message


def test_location_terms_without_rule_for_a_group(tmp_path: Path) -> None:
    data = _ub_data()
    del data["loan_rules"][1]  # ub-empruntable-2-mois: D, PERSONNEL, ENSEIGNANT
    message = _load_broken(tmp_path, data)
    assert (
        f"libraries[0].locations[0].terms_of_use: no loan rule for "
        f"'{TermsOfUse.BORROWABLE.value}' and user group 'D'" in message
    )


def test_closed_range_backwards(tmp_path: Path) -> None:
    data = _ub_data()
    data["closed_days"] = [{"from": "2027-01-03", "to": "2026-12-24", "reason": "Noël"}]
    message = _load_broken(tmp_path, data)
    assert "closed_days[0]" in message
    assert "'from' 2027-01-03 is after 'to' 2026-12-24" in message


def test_item_not_loanable_cannot_be_made_overridable(tmp_path: Path) -> None:
    data = _ub_data()
    data["overridable_blocks"].append("item_not_loanable")
    message = _load_broken(tmp_path, data)
    assert "overridable_blocks: 'item_not_loanable' cannot be overridden" in message


def test_file_name_must_match_institution(tmp_path: Path) -> None:
    message = _load_broken(tmp_path, _ub_data(), name="ubm.yaml")
    assert "institution: 'ub' does not match the file name" in message


def test_unknown_institution_is_refused() -> None:
    with pytest.raises(PolicyFileError, match="institution='u-bordeaux'"):
        load_institution_policy("u-bordeaux")


def test_a_renewal_period_other_than_the_network_files_is_refused(tmp_path: Path) -> None:
    # ub chose 2 weeks in the network file (DOMAIN.md section 1); its policy may not say 1.
    data = _ub_data()
    data["renewal_period"] = "P7D"
    message = _load_broken(tmp_path, data)
    assert (
        "renewal_period: 'P7D' differs from the network file's renewal_period_days = 14" in message
    )
    data = _ub_data()
    data["suspension_after_late_return"] = True
    message = _load_broken(tmp_path, data)
    assert "suspension_after_late_return: True differs from the network file's False" in message
