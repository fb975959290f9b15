"""The printed batch: one page per letter, the address in the envelope window."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from notifier.adapters.pdf_batch import (
    WINDOW_HEIGHT,
    WINDOW_LEFT,
    WINDOW_TOP,
    WINDOW_WIDTH,
    render_pdf_batch,
)
from notifier.adapters.pdf_fonts import DEJAVU_DIR, find_font
from notifier.adapters.pdf_printer import PdfPrinter
from notifier.adapters.rendering import LetterRenderer, RenderedLetter
from notifier.domain import (
    LoanEvent,
    LoanEventKind,
    MixedBatchError,
    PatronContact,
    apply_event,
    institution_settings,
    letters_due,
)

from .conftest import paris

Build = Callable[..., LoanEvent]
UB = institution_settings("ub")
PT_PER_MM = 72 / 25.4
A4_HEIGHT_MM = 297


def printed(
    loan_event: Build, patron: Callable[..., PatronContact], count: int
) -> list[RenderedLetter]:
    """Recall 1 letters of `count` patrons without email, on 8 December 2026."""
    patrons = {f"P{n}": patron(patron_id=f"P{n}", email=None) for n in range(count)}
    loans = [
        apply_event(
            None,
            loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3), loan_id=f"L{p}", patron_id=p),
        )
        for p in patrons
    ]
    due = letters_due(loans, patrons, date(2026, 12, 8), set(), UB)
    return [LetterRenderer(UB).render(letter) for letter in due.letters]


def text_positions_mm(pdf: bytes) -> list[tuple[float, float, bytes]]:
    """(x, y from the top, shown string) of each text object of an uncompressed PDF."""
    found = re.finditer(rb"BT ([\d.]+) ([\d.]+) Td (\(.*?\)|<.*?>) Tj", pdf)
    return [(float(m[1]) / PT_PER_MM, A4_HEIGHT_MM - float(m[2]) / PT_PER_MM, m[3]) for m in found]


def test_the_batch_is_a_pdf_with_one_page_per_letter(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    pdf = render_pdf_batch(printed(loan_event, patron, 3))

    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 3


def test_the_patron_address_sits_in_the_right_hand_window(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    letters = printed(loan_event, patron, 1)
    pdf = render_pdf_batch(letters, font=find_font(Path("/nowhere")), compress=False)

    in_window = [
        text
        for x, y, text in text_positions_mm(pdf)
        if WINDOW_LEFT <= x <= WINDOW_LEFT + WINDOW_WIDTH
        and WINDOW_TOP <= y <= WINDOW_TOP + WINDOW_HEIGHT
    ]

    assert (WINDOW_LEFT + WINDOW_WIDTH, WINDOW_TOP) == (190, 50)  # 20 mm from the right edge
    assert in_window == [
        "(Hélène Lefèvre)".encode("latin-1"),
        b"(12 rue Sainte-Catherine)",
        b"(Appartement 3)",
        b"(33000 BORDEAUX)",
    ]


def test_without_dejavu_text_is_folded_to_latin1(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    font = find_font(Path("/nowhere"))

    pdf = render_pdf_batch(printed(loan_event, patron, 1), font=font, compress=False)

    assert font.family == "Helvetica"
    assert "n'a pas été rendu à la date".encode("latin-1") in pdf


@pytest.mark.skipif(not (DEJAVU_DIR / "DejaVuSans.ttf").is_file(), reason="fonts-dejavu-core")
def test_dejavu_is_embedded_when_installed(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    pdf = render_pdf_batch(printed(loan_event, patron, 1))

    assert find_font().family == "DejaVuSans"
    assert b"DejaVuSans" in pdf


def test_a_batch_takes_printed_letters_of_one_day_only(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    loan = apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3)))
    emailed = letters_due([loan], {"P1": patron()}, date(2026, 12, 8), set(), UB).letters[0]

    with pytest.raises(MixedBatchError, match="'email'"):
        render_pdf_batch([LetterRenderer(UB).render(emailed)])
    with pytest.raises(MixedBatchError, match="empty"):
        render_pdf_batch([])


async def test_the_printed_batch_is_private_to_the_service_user(
    loan_event: Build, patron: Callable[..., PatronContact], tmp_path: Path
) -> None:
    """Letters hold names and postal addresses: folders 0700, the PDF 0600."""
    patrons = {"P1": patron(patron_id="P1", email=None)}
    loan = apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3)))
    letters = letters_due([loan], patrons, date(2026, 12, 8), set(), UB).letters
    printer = PdfPrinter(tmp_path / "letters", LetterRenderer(UB))

    written = Path(await printer.write_batch("ub", date(2026, 12, 8), letters))

    assert written == tmp_path / "letters" / "ub" / "2026-12-08.pdf"
    modes = [
        stat.S_IMODE(os.stat(p).st_mode) for p in (written, written.parent, written.parent.parent)
    ]
    assert modes == [0o600, 0o700, 0o700]
