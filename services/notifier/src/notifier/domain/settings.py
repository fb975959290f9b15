"""Per-institution settings of the letter chain; the institutions' own facts (name, address,
suspension) come from the network file (``rebub_shared.tenancy``).

Every number of DOMAIN.md section 7 is data here, never a constant in the rules: the courtesy
delay, the recall offsets and which stages go by post.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from rebub_shared.tenancy import UnknownTenantError, institution, institution_codes

from .address import PostalAddress
from .errors import InvalidSettingsError, UnknownInstitutionError
from .kinds import Stage


def check_courtesy_days(value: int) -> None:
    """0 turns the courtesy letter off; more than 30 days before is no courtesy."""
    if not 0 <= value <= 30:
        raise InvalidSettingsError(f"courtesy_days must be between 0 and 30, got {value}")


def check_recall_offsets(value: tuple[int, ...]) -> None:
    """Recall 1, 2 and 3 come after the due date, each later than the one before."""
    increasing = all(a < b for a, b in pairwise(value))
    if len(value) != 3 or value[0] <= 0 or not increasing:
        raise InvalidSettingsError(
            f"recall_offsets_days must be three increasing positive day counts, got {value}"
        )


@dataclass(frozen=True)
class ChainSettings:
    """When each stage is sent and by which channel.

    courtesy_days: days before the due date for the courtesy letter (0: no courtesy letter).
    recall_offsets_days: days after the due date for recall 1, 2 and 3.
    post_stages: stages printed and posted even when the patron has an email address.
    """

    courtesy_days: int = 3
    recall_offsets_days: tuple[int, int, int] = (7, 21, 35)
    post_stages: frozenset[Stage] = frozenset({Stage.RECALL3})

    def __post_init__(self) -> None:
        check_courtesy_days(self.courtesy_days)
        check_recall_offsets(self.recall_offsets_days)

    def offset_days(self, stage: Stage) -> int | None:
        """Days from the due day to the stage's day; None for a stage that is turned off."""
        if stage is Stage.COURTESY:
            return -self.courtesy_days if self.courtesy_days else None
        if stage is Stage.REMINDER:
            return 0
        recall1, recall2, recall3 = self.recall_offsets_days
        return {Stage.RECALL1: recall1, Stage.RECALL2: recall2, Stage.RECALL3: recall3}[stage]


@dataclass(frozen=True)
class InstitutionSettings:
    """What the letters of one institution say about the sender, and its chain settings."""

    code: str
    display_name: str
    library_service: str
    address: PostalAddress
    signature: str
    suspends_after_late_return: bool
    chain: ChainSettings = field(default_factory=ChainSettings)

    def sender_block(self) -> tuple[str, ...]:
        """The sender's block printed at the top left of a letter."""
        name, *rest = self.address.formatted(self.display_name)
        return (name, self.library_service, *rest)


def institution_settings(code: str) -> InstitutionSettings:
    """The settings of an institution of the network file (name, postal address, whether it
    suspends after a late return), with the default chain; UnknownInstitutionError otherwise."""
    try:
        known = institution(code)
    except UnknownTenantError:
        raise UnknownInstitutionError(
            f"institution is {code!r}, expected one of {sorted(institution_codes())}"
        ) from None
    address = known.address
    return InstitutionSettings(
        code=known.code,
        display_name=known.name,
        library_service="Service commun de la documentation",
        address=PostalAddress(lines=address.lines, postcode=address.postcode, city=address.city),
        signature=f"Le service du prêt\nBibliothèques – {known.name}",
        suspends_after_late_return=known.suspension_after_late_return,
    )
