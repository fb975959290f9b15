"""A patron as circulation sees it: identity, user group, expiry, local blocks, suspension."""

from datetime import date

from pydantic import Field

from .values import ValueModel
from .vocabulary import InstitutionCode


class LocalBlock(ValueModel):
    """A block staff put on the account in this institution zone (kept across imports)."""

    code: str
    note: str = ""
    until: date | None = Field(default=None, description="last blocked day, None = until lifted")

    def active_on(self, day: date) -> bool:
        """True if the block still applies on ``day`` (Paris date)."""
        return self.until is None or day <= self.until


class Patron(ValueModel):
    """The patron's circulation view. ``suspended_until`` is the last suspended Paris day."""

    institution: InstitutionCode
    patron_id: str = Field(min_length=1)
    user_group: str = Field(min_length=1)
    expires_on: date | None = None
    suspended_until: date | None = None
    local_blocks: tuple[LocalBlock, ...] = ()
