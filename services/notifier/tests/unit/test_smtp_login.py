"""The SMTP credentials of the settings (the Secret ``rebub-smtp`` in production) log in to a
real server that requires them (aiosmtpd, in process); wrong ones are a refusal (the letter
stays pending for the next pass), never an uncertain delivery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.headerregistry import Address
from pathlib import Path

import pytest
from pydantic import ValidationError

from notifier.adapters.rendering import LetterRenderer
from notifier.adapters.smtp_mailer import SmtpMailer
from notifier.domain import PatronContact, institution_settings
from notifier.service_layer.ports import NotDeliveredError
from notifier.settings import SmtpSettings
from rebub.mailbox import LocalMailbox

from .test_rendering import Build, recall1_letter

NOW = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
# aiosmtpd warns that AUTH without TLS is unsafe, and about its own deprecated attribute.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
    pytest.mark.filterwarnings("ignore:Session.login_data is deprecated"),
]


def _mailer(port: int, username: str, password: str) -> SmtpMailer:
    settings = SmtpSettings.model_validate(
        {"port": port, "username": username, "password": password, "attempts": 1}
    )
    renderer = LetterRenderer(institution_settings("ub"))
    return SmtpMailer(settings, renderer, Address(addr_spec="pret@example.org"), "notifier.test")


async def test_the_configured_login_is_used_and_a_wrong_one_is_refused(
    tmp_path: Path, loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    letter = recall1_letter(loan_event, patron())
    with LocalMailbox(tmp_path / "mailbox", login=("notifier-ub", "s3cret")) as mailbox:
        await _mailer(mailbox.port, "notifier-ub", "s3cret").send(letter, "<a@notifier.test>", NOW)
        assert [str(m["Message-ID"]) for m in mailbox.messages()] == ["<a@notifier.test>"]
        with pytest.raises(NotDeliveredError):
            await _mailer(mailbox.port, "notifier-ub", "wrong").send(letter, "<b@t>", NOW)
        assert len(mailbox.messages()) == 1


def test_tls_modes_and_half_credentials_are_refused() -> None:
    with pytest.raises(ValidationError, match="exclude each other"):
        SmtpSettings(use_tls=True, start_tls=True)
    with pytest.raises(ValidationError, match="both username and password, or neither"):
        SmtpSettings(username="notifier-ub")
