"""French letters: templates, per-institution overrides and the email message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest

from notifier.adapters.email_message import NotAnEmailLetterError, build_email
from notifier.adapters.french_dates import french_datetime, french_day
from notifier.adapters.rendering import LetterRenderer
from notifier.domain import (
    HoldNotice,
    Letter,
    LoanEvent,
    LoanEventKind,
    PatronContact,
    activity_report,
    apply_event,
    hold_available,
    institution_settings,
    letters_due,
)
from notifier.domain.kinds import LetterKind

from .conftest import paris

Build = Callable[..., LoanEvent]
SENDER = Address("Bibliothèques", "bibliotheques", "example.org")


def recall1_letter(
    loan_event: Build, patron: PatronContact, institution: str = "ub", title: str = "Les Misérables"
) -> Letter:
    loans = [
        apply_event(
            None,
            loan_event(
                LoanEventKind.CREATED,
                1,
                paris(2026, 11, 3),
                loan_id=loan_id,
                title=title,
                institution=institution,
            ),
        )
        for loan_id in ("L1", "L2")
    ]
    settings = institution_settings(institution)
    due = letters_due(loans, {patron.patron_id: patron}, date(2026, 12, 8), set(), settings)
    return due.letters[0]


def test_french_dates_on_the_paris_clock() -> None:
    assert french_datetime(paris(2026, 12, 3, 19)) == "jeudi 3 décembre 2026 à 19 h 00"
    assert french_day(date(2026, 12, 1)) == "mardi 1er décembre 2026"
    assert french_datetime(paris(2026, 8, 15, 9, 5)) == "samedi 15 août 2026 à 9 h 05"


def test_the_email_lists_every_item_with_french_dates_and_accents(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    rendered = LetterRenderer(institution_settings("ub")).render(
        recall1_letter(loan_event, patron())
    )

    message = build_email(rendered, SENDER, paris(2026, 12, 8, 6), "rebub.example.org")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None
    assert html is not None

    assert parsed["Subject"] == "Rappel 1 : documents en retard – Université de Bordeaux"
    assert parsed["To"] == "Hélène Lefèvre <helene.lefevre@example.org>"
    assert parsed["X-Rebub-Letter-Key"] == "ub:P1:recall1:2026-12-08"
    body = text.get_content()
    assert "Bonjour Hélène Lefèvre," in body
    assert body.count("À rendre le mardi 1er décembre 2026 à 19 h 00 – 7 jours de retard") == 2
    assert "Code-barres : B-L1" in body
    assert "Code-barres : B-L2" in body
    assert "<td>mardi 1er décembre 2026 à 19 h 00</td>" in html.get_content()


def test_html_escapes_what_the_text_keeps(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    letter = recall1_letter(loan_event, patron(), title="<script>Ça</script>")

    rendered = LetterRenderer(institution_settings("ub")).render(letter)

    assert "&lt;script&gt;Ça&lt;/script&gt;" in rendered.html
    assert "<script>" not in rendered.html
    assert "- <script>Ça</script>" in rendered.text


def test_only_institutions_that_suspend_mention_the_suspension(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    sentence = "suspend votre droit de prêt"
    scpo = recall1_letter(loan_event, patron(institution="scpo"), institution="scpo")
    ub = recall1_letter(loan_event, patron())

    assert sentence in LetterRenderer(institution_settings("scpo")).render(scpo).text
    assert sentence not in LetterRenderer(institution_settings("ub")).render(ub).text


def test_an_institution_folder_overrides_one_template_and_keeps_the_others(
    loan_event: Build, patron: Callable[..., PatronContact], tmp_path: Path
) -> None:
    (tmp_path / "ub").mkdir()
    (tmp_path / "ub" / "recall1.subject.txt").write_text("Relance UB n° 1 – {{ day }}")

    rendered = LetterRenderer(institution_settings("ub"), tmp_path).render(
        recall1_letter(loan_event, patron())
    )
    common = LetterRenderer(institution_settings("ubm"), tmp_path).render(
        recall1_letter(loan_event, patron(institution="ubm"), institution="ubm")
    )

    assert rendered.subject == "Relance UB n° 1 – mardi 8 décembre 2026"
    assert rendered.paragraphs[0].startswith("Sauf erreur de notre part")
    assert common.subject.startswith("Rappel 1 :")


def test_letters_on_request_render(loan_event: Build, patron: Callable[..., PatronContact]) -> None:
    renderer = LetterRenderer(institution_settings("ub"))
    contact = patron()
    loan = apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3)))
    hold = HoldNotice("R7", "Nana", "B-9", "Bibliothèque Lettres", date(2026, 11, 14))

    report = renderer.render(activity_report(contact, [loan], date(2026, 11, 5), "Q1"))
    notice = renderer.render(hold_available(contact, hold, date(2026, 11, 5)))

    assert "emprunts en cours au jeudi 5 novembre 2026" in report.text
    assert "Les Misérables" in report.text
    assert "jusqu’au samedi 14 novembre 2026 inclus" in notice.text
    expiring = replace(hold, kind=LetterKind.HOLD_EXPIRING)
    soon = renderer.render(hold_available(contact, expiring, date(2026, 11, 13))).text
    assert "vous attend encore à Bibliothèque Lettres, jusqu’au samedi 14 novembre 2026" in soon
    expired = replace(hold, kind=LetterKind.HOLD_EXPIRED)
    assert (
        "réservation a expiré"
        in renderer.render(hold_available(contact, expired, date(2026, 11, 15))).text
    )
    cancelled = replace(hold, kind=LetterKind.REQUEST_CANCELLED, pickup_until=None)
    assert (
        "a été annulée"
        in renderer.render(hold_available(contact, cancelled, date(2026, 11, 5))).text
    )
    recalled = replace(hold, kind=LetterKind.LOAN_RECALLED, due_at=paris(2026, 11, 16, 19))
    recall = renderer.render(hold_available(contact, recalled, date(2026, 11, 5)))
    assert "au plus tard le lundi 16 novembre 2026" in recall.text, recall.text
    url = "https://numerique.u-bordeaux.fr/copies/R5.pdf?a=1&b=2"
    copy = replace(
        hold,
        kind=LetterKind.DIGITISATION_DELIVERED,
        document_url=url,
        pickup_until=date(2026, 11, 26),
    )
    digitised = renderer.render(hold_available(contact, copy, date(2026, 11, 12)))
    assert f"à cette adresse : {url}" in digitised.text
    assert "valable jusqu’au jeudi 26 novembre 2026 inclus" in digitised.text
    assert "R5.pdf?a=1&amp;b=2" in digitised.html  # escaped in HTML
    no_end = replace(copy, pickup_until=None)
    assert (
        "valable" not in renderer.render(hold_available(contact, no_end, date(2026, 11, 12))).text
    )


def test_a_printed_letter_is_not_emailed(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    rendered = LetterRenderer(institution_settings("ub")).render(
        recall1_letter(loan_event, patron(email=None))
    )

    with pytest.raises(NotAnEmailLetterError, match="'post'"):
        build_email(rendered, SENDER, paris(2026, 12, 8, 6), "rebub.example.org")
