"""The font of printed letters.

fpdf2 ships no TrueType font, and its core fonts (Helvetica...) only know latin-1. We embed
DejaVu Sans from the Debian package fonts-dejavu-core when it is installed, so every French
character prints (’, œ, –); without it, Helvetica with text folded to latin-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

# What latin-1 lacks among the characters our French letters use.
_LATIN1_FOLDS = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "œ": "oe",
     "Œ": "OE", "€": "EUR", "\u202f": " ", "\u2009": " "}
)  # fmt: skip


@dataclass(frozen=True)
class PdfFont:
    """A font family to draw letters with; `regular` and `bold` are None for a core font."""

    family: str
    regular: Path | None = None
    bold: Path | None = None

    @property
    def embedded(self) -> bool:
        """True for an embedded Unicode TrueType font."""
        return self.regular is not None

    def fit(self, text: str) -> str:
        """The text as this font can print it (folded to latin-1 for a core font)."""
        if self.embedded:
            return text
        return text.translate(_LATIN1_FOLDS).encode("latin-1", "replace").decode("latin-1")


def find_font(directory: Path = DEJAVU_DIR) -> PdfFont:
    """DejaVu Sans (regular and bold) from `directory` if present, else core Helvetica."""
    regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return PdfFont("DejaVuSans", regular, bold)
    return PdfFont("Helvetica")
