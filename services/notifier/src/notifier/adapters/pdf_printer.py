"""Printed letters: one PDF batch per institution per day, ``<root>/<inst>/<YYYY-MM-DD>.pdf``.

The batch is rewritten whole from the letters the store lists for that day, so writing it again
(a second pass, a recovery after a crash) never puts a letter in it twice. The new file replaces
the old one atomically: a reader sees the old batch or the new one, never half a file.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rebub_shared.private_files import private_dir, write_private

from ..domain import Letter
from ..service_layer.ports import NotDeliveredError
from .pdf_batch import render_pdf_batch
from .rendering import LetterRenderer


class PdfPrinter:
    """Writes the day's printed batch of one institution into a folder."""

    def __init__(self, root: Path, renderer: LetterRenderer) -> None:
        self.root = root
        self.renderer = renderer

    def path(self, institution: str, day: date) -> Path:
        """Where the batch of `day` is written."""
        return self.root / institution / f"{day.isoformat()}.pdf"

    async def write_batch(self, institution: str, day: date, letters: Sequence[Letter]) -> str:
        """(Re)write the batch with exactly `letters`, ordered by letter id."""
        ordered = sorted(letters, key=lambda letter: letter.key)
        target = self.path(institution, day)
        try:
            await asyncio.to_thread(self._write, target, ordered)
        except OSError as error:
            raise NotDeliveredError(f"printed batch {target} not written: {error}") from error
        return str(target)

    async def remove_batch(self, institution: str, day: date) -> None:
        """Remove the day's batch (and a partial write of it); none there: nothing to do."""
        target = self.path(institution, day)
        for path in (target, target.with_suffix(".pdf.part")):
            path.unlink(missing_ok=True)

    def _write(self, target: Path, letters: Sequence[Letter]) -> None:
        content = render_pdf_batch([self.renderer.render(letter) for letter in letters])
        private_dir(self.root)  # letters hold names and postal addresses
        private_dir(target.parent)
        partial = write_private(target.with_suffix(".pdf.part"), content)
        os.replace(partial, target)
