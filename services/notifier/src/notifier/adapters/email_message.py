"""Build the email of a rendered letter (stdlib `email`, sent later by the SMTP adapter)."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from rebub_shared.clock import check_aware

from ..domain.errors import NotifierDomainError
from ..domain.kinds import Channel
from .rendering import RenderedLetter


class NotAnEmailLetterError(NotifierDomainError):
    """A letter meant for the post, or for a patron without an email address, was emailed."""


def build_email(
    rendered: RenderedLetter,
    sender: Address,
    now: datetime,
    msgid_domain: str,
    message_id: str | None = None,
) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) to the patron's email address.

    `now` (aware) gives the Date header; the letter key goes in X-Rebub-Letter-Key so a
    bounce or a complaint can be traced back to the letter. `message_id`: a deterministic one
    (the sender's, so a retried letter keeps it); a random one under `msgid_domain` otherwise.
    """
    letter = rendered.letter
    if letter.channel is not Channel.EMAIL or not letter.patron.email:
        raise NotAnEmailLetterError(
            f"letter {letter.key!r} has channel {letter.channel.value!r} "
            f"and email {letter.patron.email!r}"
        )
    check_aware("now", now)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = Address(display_name=letter.patron.full_name, addr_spec=letter.patron.email)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id or make_msgid(domain=msgid_domain)
    message["X-Rebub-Letter-Key"] = letter.key
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message
