"""User groups: the one place holding their codes, French labels and which source may use which.

Loan rules (circulation) are chosen by user group, so these codes are shared with circulation.
"""

from collections.abc import Mapping
from enum import StrEnum

from patron_sync.domain.errors import UnknownUserGroupError
from patron_sync.domain.institutions import Institution


class UserGroup(StrEnum):
    """User group code, as written in DSI feeds and on accounts."""

    L = "L"
    M = "M"
    D = "D"
    PERSONNEL = "PERSONNEL"
    ENSEIGNANT = "ENSEIGNANT"
    LECTEUR_EXTERIEUR = "LECTEUR_EXTERIEUR"
    SCPO_ETUDIANT = "SCPO_ETUDIANT"
    SCPO_PERSONNEL = "SCPO_PERSONNEL"
    BSA_ETUDIANT = "BSA_ETUDIANT"
    BSA_PERSONNEL = "BSA_PERSONNEL"


USER_GROUP_LABELS: dict[UserGroup, str] = {
    UserGroup.L: "Étudiant 1er cycle (Licence)",
    UserGroup.M: "Étudiant 2e cycle (Master)",
    UserGroup.D: "Étudiant 3e cycle (Doctorat)",
    UserGroup.PERSONNEL: "Personnel",
    UserGroup.ENSEIGNANT: "Enseignant",
    UserGroup.LECTEUR_EXTERIEUR: "Lecteur extérieur",
    UserGroup.SCPO_ETUDIANT: "Étudiant Sciences Po Bordeaux",
    UserGroup.SCPO_PERSONNEL: "Personnel et enseignant Sciences Po Bordeaux",
    UserGroup.BSA_ETUDIANT: "Étudiant Bordeaux Sciences Agro",
    UserGroup.BSA_PERSONNEL: "Personnel et enseignant Bordeaux Sciences Agro",
}

_COMMON = frozenset(
    {UserGroup.L, UserGroup.M, UserGroup.D, UserGroup.PERSONNEL, UserGroup.ENSEIGNANT}
)

#: Which user groups each source institution's DSI feed may use.
FeedGroups = Mapping[Institution, frozenset[UserGroup]]

#: Default (a setting): groups each institution's DSI feed may use. Sciences Po Bordeaux and
#: Bordeaux Sciences Agro use their own groups only. LECTEUR_EXTERIEUR never comes from a DSI:
#: external readers are created in an IZ.
DEFAULT_FEED_GROUPS: FeedGroups = {
    Institution.UB: _COMMON,
    Institution.UBM: _COMMON,
    Institution.INP: _COMMON,
    Institution.SCPO: frozenset({UserGroup.SCPO_ETUDIANT, UserGroup.SCPO_PERSONNEL}),
    Institution.BSA: frozenset({UserGroup.BSA_ETUDIANT, UserGroup.BSA_PERSONNEL}),
}


def check_user_group(
    value: str,
    source: Institution,
    feed_groups: FeedGroups = DEFAULT_FEED_GROUPS,
) -> UserGroup:
    """Return the user group ``value`` names if ``source``'s feed may use it.

    Codes are compared after trimming and upper-casing. Raises :class:`UnknownUserGroupError`
    for an unknown code or a group the source institution may not use.
    """
    code = value.strip().upper()
    try:
        group = UserGroup(code)
    except ValueError:
        raise UnknownUserGroupError("user_group", value, "unknown user group") from None
    if group not in feed_groups.get(source, frozenset()):
        raise UnknownUserGroupError(
            "user_group", value, f"not a user group of institution {source.value}"
        )
    return group
