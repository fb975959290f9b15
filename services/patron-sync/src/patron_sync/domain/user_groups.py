"""User groups in DSI feeds: which source institution may use which group.

The codes and labels are the network's (``rebub_shared.user_groups``, shared with circulation,
whose loan rules are chosen by user group); which DSI feed may use which group is patron-sync's rule.
"""

from collections.abc import Mapping

from patron_sync.domain.errors import UnknownUserGroupError
from patron_sync.domain.institutions import Institution
from rebub_shared.user_groups import USER_GROUP_LABELS as USER_GROUP_LABELS
from rebub_shared.user_groups import UserGroup as UserGroup

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
