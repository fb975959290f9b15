"""The day's printed letters of one institution, as one PDF: one letter per page (a long item
list continues on the next page), for A4 folded in three into a window envelope.

Window: the French "fenêtre à droite" of DL (110 x 220 mm) and C5/6 envelopes, 100 mm wide and
45 mm high, 20 mm from the right edge and 50 mm from the top of the folded A4 sheet, so the
window spans x 90-190 mm, y 50-95 mm of the page. The address starts 5 mm inside it, leaving
room for the envelope's play; La Poste allows six lines of 38 characters, 30 mm at 5 mm a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rebub_shared.clock import PARIS

from ..domain.errors import MixedBatchError
from ..domain.kinds import Channel
from .pdf_fonts import PdfFont, find_font
from .rendering import RenderedLetter

PAGE_WIDTH, MARGIN = 210.0, 20.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
WINDOW_LEFT, WINDOW_TOP, WINDOW_WIDTH, WINDOW_HEIGHT = 90.0, 50.0, 100.0, 45.0
ADDRESS_INSET, ADDRESS_LINE = 5.0, 5.0
FOLDS = (99.0, 198.0)  # A4 folded in three
ITEM_COLUMNS = (("Titre", 68), ("Code-barres", 30), ("À rendre le", 47), ("Retard", 25))


def check_batch(letters: Sequence[RenderedLetter]) -> None:
    """A batch is the printed letters of one institution and one day, nothing else."""
    if not letters:
        raise MixedBatchError("letters is empty: a batch needs at least one letter")
    first = letters[0].letter
    for rendered in letters:
        letter = rendered.letter
        if letter.channel is not Channel.POST:
            raise MixedBatchError(f"letter {letter.key!r} has channel {letter.channel.value!r}")
        if (letter.institution, letter.day) != (first.institution, first.day):
            raise MixedBatchError(
                f"letter {letter.key!r} is for {letter.institution} on {letter.day}, "
                f"batch is {first.institution} on {first.day}"
            )


def render_pdf_batch(
    letters: Sequence[RenderedLetter], font: PdfFont | None = None, compress: bool = True
) -> bytes:
    """The PDF of a batch; `font` defaults to `find_font()`. Raise MixedBatchError on a mix."""
    check_batch(letters)
    font = font or find_font()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_compression(compress)
    # Dated from the letters' day, so the same batch renders to the same bytes.
    pdf.set_creation_date(datetime.combine(letters[0].letter.day, time(), tzinfo=PARIS))
    pdf.set_margins(MARGIN, 15.0, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=20.0)
    if font.regular and font.bold:
        pdf.add_font(font.family, "", font.regular)
        pdf.add_font(font.family, "B", font.bold)
    for rendered in letters:
        _letter_page(pdf, rendered, font)
    return bytes(pdf.output())


def _letter_page(pdf: FPDF, rendered: RenderedLetter, font: PdfFont) -> None:
    pdf.add_page()
    for fold in FOLDS:
        pdf.line(4, fold, 8, fold)
    pdf.set_font(font.family, "", 9)
    _lines(pdf, font, MARGIN, 15.0, rendered.sender_lines, 4.5)
    pdf.set_font(font.family, "", 10)
    address = rendered.letter.patron.address_block()
    _lines(
        pdf, font, WINDOW_LEFT + ADDRESS_INSET, WINDOW_TOP + ADDRESS_INSET, address, ADDRESS_LINE
    )
    pdf.set_xy(MARGIN, 105.0)
    pdf.cell(
        TEXT_WIDTH, 5, font.fit(rendered.date_line), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(5)
    pdf.set_font(font.family, "B", 10)
    pdf.multi_cell(TEXT_WIDTH, 5, font.fit(f"Objet : {rendered.subject}"), align="L")
    pdf.ln(4)
    pdf.set_font(font.family, "", 10)
    for paragraph in (rendered.greeting, *rendered.paragraphs):
        pdf.multi_cell(TEXT_WIDTH, 5, font.fit(paragraph), align="J", new_x=XPos.LMARGIN)
        pdf.ln(3)
    if rendered.items:
        _item_table(pdf, rendered, font)
    pdf.ln(8)
    for line in rendered.signature_lines:
        pdf.set_x(WINDOW_LEFT)
        pdf.cell(WINDOW_WIDTH, 5, font.fit(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _lines(
    pdf: FPDF, font: PdfFont, x: float, y: float, lines: Sequence[str], height: float
) -> None:
    for index, line in enumerate(lines):
        pdf.set_xy(x, y + index * height)
        pdf.cell(text=font.fit(line))


def _item_table(pdf: FPDF, rendered: RenderedLetter, font: PdfFont) -> None:
    pdf.set_font(font.family, "", 9)
    widths = tuple(width for _, width in ITEM_COLUMNS)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5) as table:
        header = table.row()
        for title, _ in ITEM_COLUMNS:
            header.cell(font.fit(title))
        for item in rendered.items:
            row = table.row()
            for value in (f"{item.title}\n{item.library}", item.barcode, item.due, item.overdue):
                row.cell(font.fit(value))
