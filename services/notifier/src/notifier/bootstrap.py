"""Wire a notifier: the real adapters by default, fakes where a unit test passes its own."""

from __future__ import annotations

from email.headerregistry import Address

from rebub_shared.clock import Clock
from rebub_shared.topics import Topics

from .adapters.pdf_printer import PdfPrinter
from .adapters.rendering import LetterRenderer
from .adapters.smtp_mailer import SmtpMailer
from .service_layer import Mailer, Notifier, NotifierStore, Printer
from .service_layer.notifier import AfterSent, nothing_to_announce
from .settings import NotifierSettings


def bootstrap(
    settings: NotifierSettings,
    *,
    clock: Clock,
    store: NotifierStore,
    mailer: Mailer | None = None,
    printer: Printer | None = None,
    after_sent: AfterSent | None = None,
) -> Notifier:
    """The notifier of `settings.tenant`: SMTP mailer and PDF printer unless given."""
    institution = settings.institution()
    renderer = LetterRenderer(institution, settings.templates_dir)
    sender = Address(display_name=settings.sender_name, addr_spec=settings.sender_email)
    return Notifier(
        settings=institution,
        store=store,
        mailer=mailer or SmtpMailer(settings.smtp, renderer, sender, settings.message_id_domain),
        printer=printer or PdfPrinter(settings.letters_dir, renderer),
        clock=clock,
        letter_topic=Topics(settings.kafka.topic_prefix).letter(settings.institution_code),
        message_id_domain=settings.message_id_domain,
        after_sent=after_sent or nothing_to_announce,
    )
