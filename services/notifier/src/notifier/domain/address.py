"""Postal addresses, formatted for French mail (La Poste, NF Z10-011)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PostalAddress:
    """A postal address. `lines` are the street lines (at most 4), without the recipient."""

    lines: tuple[str, ...]
    postcode: str
    city: str
    country: str | None = None  # None for France: La Poste wants no country line at home

    def formatted(self, recipient: str) -> tuple[str, ...]:
        """The block as printed: recipient, street lines, "POSTCODE CITY" in capitals, country."""
        block = [recipient, *self.lines, f"{self.postcode} {self.city.upper()}"]
        if self.country:
            block.append(self.country.upper())
        return tuple(block)
