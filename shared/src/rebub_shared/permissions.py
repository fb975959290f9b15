"""Who may do what, written once as data: permissions per area and the realm roles granting them.

A route declares the one permission it needs (``rebub_shared.auth.guard.Requires``); a token's
realm roles give its permissions through ``ROLE_PERMISSIONS``. ``docs/permissions.md`` (the role x
endpoint table) is generated from this table and the apps' routes (``rebub permissions``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final


class Permission(StrEnum):
    """One right on one area of the API (``area:action``)."""

    # Desk operator: lookups, account views, check-out, return, renewal, requests, letters.
    PATRONS_READ = "patrons:read"
    LOANS_READ = "loans:read"
    LOANS_CHECKOUT = "loans:checkout"
    LOANS_RENEW = "loans:renew"
    LOANS_NOTES = "loans:notes"
    RETURNS_SCAN = "returns:scan"
    REQUESTS_WRITE = "requests:write"
    LETTERS_SEND = "letters:send"
    # Circulation manager: the privileged loan actions, tomorrow's letters.
    BLOCKS_OVERRIDE = "blocks:override"
    LOANS_DUE_DATE = "loans:due-date"
    LOANS_DELETE = "loans:delete"
    LOANS_LOST_FOUND = "loans:lost-found"
    RETURNS_BULK = "returns:bulk"
    ITEMS_LOAD = "items:load"
    WEBHOOKS_MANAGE = "webhooks:manage"
    LETTERS_PLAN = "letters:plan"
    # Patron manager: internal accounts and what staff add to any account.
    PATRONS_EDIT = "patrons:edit"
    PATRONS_BLOCKS = "patrons:blocks"
    PATRONS_NOTES = "patrons:notes"
    EXTERNAL_READERS_WRITE = "external-readers:write"
    WAITING_ACCOUNTS_WRITE = "waiting-accounts:write"
    # Feed loader (the DSI's upload client); forcing a refused feed is a permission of its own.
    IMPORTS_RUN = "imports:run"
    IMPORTS_FORCE = "imports:force"
    # Network observer: read only.
    LETTERS_READ = "letters:read"
    NETWORK_OBSERVE = "network:observe"
    # Managers read their institution's audit trail.
    AUDIT_READ = "audit:read"
    # The privacy officer (data protection officer, or the DSI for a departed person): erasure
    # (GDPR article 17) of the institution's own people.
    PRIVACY_ERASE = "privacy:erase"
    # The development clock and jobs on demand (the routes exist outside production only).
    DEV_OPERATE = "dev:operate"


P = Permission

DESK_OPERATOR: Final = frozenset(
    {
        P.PATRONS_READ,
        P.LOANS_READ,
        P.LOANS_CHECKOUT,
        P.LOANS_RENEW,
        P.LOANS_NOTES,
        P.RETURNS_SCAN,
        P.REQUESTS_WRITE,
        P.LETTERS_SEND,
        P.LETTERS_READ,
    }
)
NETWORK_OBSERVER: Final = frozenset({P.NETWORK_OBSERVE, P.LETTERS_READ})

#: Realm role -> the permissions it grants (roles of the identity contract, docs/architecture.md).
ROLE_PERMISSIONS: Final[dict[str, frozenset[Permission]]] = {
    "desk-operator": DESK_OPERATOR,
    "circulation-manager": frozenset(
        {
            P.BLOCKS_OVERRIDE,
            P.LOANS_DUE_DATE,
            P.LOANS_DELETE,
            P.LOANS_LOST_FOUND,
            P.RETURNS_BULK,
            P.ITEMS_LOAD,
            P.WEBHOOKS_MANAGE,
            P.LETTERS_PLAN,
            P.AUDIT_READ,
            P.DEV_OPERATE,
        }
    ),
    "patron-manager": frozenset(
        {
            P.PATRONS_READ,
            P.PATRONS_EDIT,
            P.PATRONS_BLOCKS,
            P.PATRONS_NOTES,
            P.EXTERNAL_READERS_WRITE,
            P.WAITING_ACCOUNTS_WRITE,
            P.AUDIT_READ,
            P.DEV_OPERATE,
        }
    ),
    "feed-loader": frozenset({P.IMPORTS_RUN, P.DEV_OPERATE}),
    "feed-force": frozenset({P.IMPORTS_FORCE}),
    "network-observer": NETWORK_OBSERVER,
    "privacy-officer": frozenset({P.PRIVACY_ERASE, P.AUDIT_READ}),
}

ROLES: Final[tuple[str, ...]] = tuple(ROLE_PERMISSIONS)

#: On the network zone, a token of an institution keeps only these: its own feed's imports, its
#: own records of the network's audit trail, the development clock, the erasure of its own people.
INSTITUTION_ON_NETWORK: Final = frozenset(
    {P.IMPORTS_RUN, P.IMPORTS_FORCE, P.AUDIT_READ, P.DEV_OPERATE, P.PRIVACY_ERASE}
)


def permissions_of(roles: Iterable[str], institution: str) -> frozenset[Permission]:
    """The union of the permissions of ``roles`` (unknown roles grant nothing); a token of the
    network (``institution="network"``) keeps only the observer's, whatever its roles."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted) & NETWORK_OBSERVER if institution == "network" else frozenset(granted)


def permissions_on(
    tenant: str, institution: str, permissions: frozenset[Permission]
) -> frozenset[Permission] | None:
    """What a token of ``institution`` holding ``permissions`` may do on an instance of
    ``tenant``; ``None`` when it may not call that instance at all (another institution)."""
    if institution in (tenant, "network"):
        return permissions
    if tenant == "network":  # an institution's feed loader uploads its own feed
        return permissions & INSTITUTION_ON_NETWORK
    return None
