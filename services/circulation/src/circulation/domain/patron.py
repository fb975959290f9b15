"""A patron as circulation sees it: identity, user group, expiry, local blocks, notes,
suspension."""

from datetime import date

from pydantic import Field

from .values import ValueModel
from .vocabulary import InstitutionCode


class LocalBlock(ValueModel):
    """A block staff put on the account in this institution zone (kept across imports): it
    applies from ``since`` to ``until`` included (Paris days)."""

    code: str
    note: str = ""
    block_id: str | None = None
    since: date | None = Field(default=None, description="first blocked day, None = already on")
    until: date | None = Field(default=None, description="last blocked day, None = until lifted")
    set_by: str | None = None

    def active_on(self, day: date) -> bool:
        """True if the block applies on ``day`` (Paris date): from its first to its last day."""
        started = self.since is None or self.since <= day
        return started and (self.until is None or day <= self.until)


class DeskNote(ValueModel):
    """A note on the patron's account; ``at_desk``: shown when the patron is identified."""

    note_id: str
    text: str
    at_desk: bool = False
    created_by: str | None = None


class Patron(ValueModel):
    """The patron's circulation view. ``suspended_until`` is the last suspended Paris day."""

    institution: InstitutionCode
    patron_id: str = Field(min_length=1)
    user_group: str = Field(min_length=1)
    expires_on: date | None = None
    suspended_until: date | None = None
    local_blocks: tuple[LocalBlock, ...] = ()
    notes: tuple[DeskNote, ...] = ()
