"""The network page's French for an import's rejects: the feed's fields by name, and the reasons
patron-sync's checks give in English (its API speaks English to every client).

The reasons patron-sync writes itself are translated; any other one (a message of the record's
validation, new reasons) is shown as it came, marked as English (``lang="en"`` on the page, so a
screen reader reads it right) and labelled for the network team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIELDS = {
    "primary_id": "identifiant principal",
    "last_name": "nom",
    "first_name": "prénom",
    "user_group": "groupe de lecteurs",
    "expiry_date": "date de fin de validité",
    "emails": "courriels",
    "addresses": "adresses",
    "phones": "téléphones",
    "identifiers": "identifiants",
    "campus": "campus",
    "row": "ligne entière",
    "record": "notice entière",
}

#: patron-sync's own reasons (``patron_sync.domain.feed_records``, ``user_groups``, the CSV
#: reader) -> French; a ``…`` is where the network view blanked a quoted value.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^missing primary id$"), "identifiant principal absent"),
    (re.compile(r"^not a date YYYY-MM-DD$"), "date illisible (AAAA-MM-JJ attendu)"),
    (re.compile(r"^unknown user group$"), "groupe de lecteurs inconnu"),
    (
        re.compile(r"^duplicate primary id(?: …)?, first at (\d+)$"),
        r"identifiant principal en double (première occurrence en position \1)",
    ),
    (
        re.compile(r"^expected (\d+) columns, found (\d+)$"),
        r"\1 colonnes attendues, \2 trouvées",
    ),
    (re.compile(r"^Field required$"), "champ obligatoire absent"),
)


@dataclass(frozen=True)
class Reason:
    """A reject's reason as shown: French, or the original English (``english``)."""

    text: str
    english: bool


def field_label(name: str) -> str:
    """``expiry_date`` -> ``date de fin de validité`` (an unknown name as it came)."""
    return FIELDS.get(name, name)


def reject_reason(reason: str) -> Reason:
    """The French of a reason patron-sync wrote, else the reason itself, marked English."""
    for pattern, french in REASONS:
        if pattern.match(reason):
            return Reason(pattern.sub(french, reason), english=False)
    return Reason(reason, english=True)
