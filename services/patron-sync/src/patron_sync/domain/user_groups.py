"""User groups in DSI feeds: which source institution may use which group.

The codes and labels are the network's (``rebub_shared.user_groups``, shared with circulation,
whose loan rules are chosen by user group); which DSI feed may use which group is patron-sync's rule.
"""

from collections.abc import Iterator, Mapping

from patron_sync.domain.errors import UnknownUserGroupError
from rebub_shared.tenancy import InstitutionCode, institution_codes, network
from rebub_shared.user_groups import USER_GROUP_LABELS as USER_GROUP_LABELS
from rebub_shared.user_groups import UserGroup as UserGroup

#: Which user groups each source institution's DSI feed may use.
FeedGroups = Mapping[InstitutionCode, frozenset[UserGroup]]


class NetworkFeedGroups(Mapping[InstitutionCode, frozenset[UserGroup]]):
    """The groups each institution's DSI feed may use, as the network file says
    (``feed_user_groups``, read on first use). LECTEUR_EXTERIEUR never comes from a DSI:
    external readers are created in an IZ."""

    def __getitem__(self, code: InstitutionCode) -> frozenset[UserGroup]:
        found = network().by_code.get(code)
        if found is None:
            raise KeyError(code)
        return found.feed_user_groups

    def __iter__(self) -> Iterator[InstitutionCode]:
        return iter(institution_codes())

    def __len__(self) -> int:
        return len(institution_codes())


#: Default (a setting): the network file's groups.
DEFAULT_FEED_GROUPS: FeedGroups = NetworkFeedGroups()


def check_user_group(
    value: str,
    source: InstitutionCode,
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
            "user_group", value, f"not a user group of institution {source}"
        )
    return group
