"""What the notifier knows of a patron: how to reach them."""

from __future__ import annotations

from dataclasses import dataclass

from .address import PostalAddress


@dataclass(frozen=True)
class PatronContact:
    """A patron's name and contact data in one institution zone (from the patron topic)."""

    institution: str
    patron_id: str
    first_name: str
    last_name: str
    email: str | None = None
    postal_address: PostalAddress | None = None

    @property
    def full_name(self) -> str:
        """First name then last name, as letters address the patron."""
        return f"{self.first_name} {self.last_name}".strip()

    def address_block(self) -> tuple[str, ...]:
        """The lines printed in the envelope window; empty without a postal address."""
        if self.postal_address is None:
            return ()
        return self.postal_address.formatted(self.full_name)
