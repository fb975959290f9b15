"""Which user groups a source institution's feed may use."""

import pytest

from patron_sync.domain.errors import UnknownUserGroupError
from patron_sync.domain.user_groups import USER_GROUP_LABELS, UserGroup, check_user_group
from rebub_shared.tenancy import InstitutionCode


def test_every_group_has_a_french_label() -> None:
    assert set(USER_GROUP_LABELS) == set(UserGroup)


def test_common_group_valid_for_a_university_code_case_ignored() -> None:
    assert check_user_group(" m ", "ubm") is UserGroup.M


@pytest.mark.parametrize(
    ("value", "source"),
    [
        ("L", "scpo"),
        ("SCPO_ETUDIANT", "bsa"),
        ("LECTEUR_EXTERIEUR", "ub"),
    ],
)
def test_group_of_another_institution_refused(value: str, source: InstitutionCode) -> None:
    with pytest.raises(UnknownUserGroupError, match=f"user_group='{value}'"):
        check_user_group(value, source)


def test_unknown_code_refused() -> None:
    with pytest.raises(UnknownUserGroupError, match="unknown user group"):
        check_user_group("ASTRONAUTE", "ub")
