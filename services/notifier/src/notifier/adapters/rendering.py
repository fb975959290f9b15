"""Render a Letter with the Jinja2 templates: subject, paragraphs, plain text and HTML.

Templates are looked up, first found wins, in: `override_root/<institution>/` (a deployment's
own folder, optional), this package's `templates/<institution>/`, then `templates/common/`. An
institution overrides one file (say `recall3.body.txt`) and keeps the rest in common.

Per letter kind: `<kind>.subject.txt` (one line) and `<kind>.body.txt` (paragraphs separated by a
blank line). The same paragraphs feed the text email (`_email.txt`), the HTML email
(`_email.html`, autoescaped) and the printed letter, so a letter's wording is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..domain.letters import Letter, LetterItem
from ..domain.settings import InstitutionSettings
from .french_dates import french_datetime, french_day, french_days

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class ItemView:
    """One item as printed: every field already a French string."""

    title: str
    barcode: str
    library: str
    due: str
    overdue: str  # "" when not overdue


@dataclass(frozen=True)
class RenderedLetter:
    """A letter in words, ready for an email or a printed page."""

    letter: Letter
    subject: str
    greeting: str
    date_line: str  # "Talence, le mardi 1er décembre 2026"
    paragraphs: tuple[str, ...]
    items: tuple[ItemView, ...]
    signature_lines: tuple[str, ...]
    sender_lines: tuple[str, ...]
    text: str
    html: str


def item_view(item: LetterItem) -> ItemView:
    """Format one letter item for print."""
    return ItemView(
        title=item.title,
        barcode=item.item_barcode,
        library=item.library,
        due=french_datetime(item.due_at) if item.due_at else "",
        overdue=french_days(item.days_overdue) if item.days_overdue else "",
    )


class LetterRenderer:
    """Renders the letters of one institution."""

    def __init__(self, settings: InstitutionSettings, override_root: Path | None = None) -> None:
        search = [TEMPLATES / settings.code, TEMPLATES / "common"]
        if override_root is not None:
            search.insert(0, override_root / settings.code)
        self.settings = settings
        self.env = Environment(
            loader=FileSystemLoader(search),
            autoescape=select_autoescape(["html"], default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def render(self, letter: Letter) -> RenderedLetter:
        """Subject, text and HTML of `letter`, in French."""
        items = tuple(item_view(i) for i in letter.items)
        context: dict[str, object] = {
            "institution": self.settings,
            "patron": letter.patron,
            "letter": letter,
            "items": items,
            "plural": len(items) > 1,
            "day": french_day(letter.day),
            "pickup_until": french_day(letter.pickup_until) if letter.pickup_until else "",
            "document_url": letter.document_url or "",
        }
        kind = letter.kind.value
        subject = " ".join(self._render(f"{kind}.subject.txt", context).split())
        body = self._render(f"{kind}.body.txt", context)
        paragraphs = tuple(p.strip() for p in body.split("\n\n") if p.strip())
        greeting = f"Bonjour {letter.patron.full_name},"
        signature = tuple(self.settings.signature.splitlines())
        sender = self.settings.sender_block()
        layout = {
            **context,
            "subject": subject,
            "greeting": greeting,
            "paragraphs": paragraphs,
            "signature_lines": signature,
            "sender_lines": sender,
        }
        return RenderedLetter(
            letter=letter,
            subject=subject,
            greeting=greeting,
            date_line=f"{self.settings.address.city}, le {french_day(letter.day)}",
            paragraphs=paragraphs,
            items=items,
            signature_lines=signature,
            sender_lines=sender,
            text=self._render("_email.txt", layout),
            html=self._render("_email.html", layout),
        )

    def _render(self, name: str, context: dict[str, object]) -> str:
        return self.env.get_template(name).render(context)
