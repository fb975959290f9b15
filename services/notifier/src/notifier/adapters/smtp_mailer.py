"""Email letters through SMTP (aiosmtplib), retrying with exponential backoff (tenacity).

What a failure means decides what happens next: a server that refused the connection or the
message did not take it (retry, then leave the letter pending for the next pass); a connection
that broke or timed out while the message was handed over may have delivered it, so it is
reported as uncertain and never resent.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address

import aiosmtplib
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from ..domain import Letter
from ..service_layer.ports import DeliveryUncertainError, NotDeliveredError
from ..settings import SmtpSettings
from .email_message import build_email
from .rendering import LetterRenderer

# The server answered "no", or never answered: the message did not leave.
REFUSED: tuple[type[BaseException], ...] = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPConnectTimeoutError,
    aiosmtplib.SMTPHeloError,
    aiosmtplib.SMTPSenderRefused,
    aiosmtplib.SMTPRecipientsRefused,
    aiosmtplib.SMTPDataError,
    aiosmtplib.SMTPAuthenticationError,  # wrong credentials: nothing was handed over
    aiosmtplib.SMTPNotSupported,  # no STARTTLS or AUTH where the settings require them
    ConnectionRefusedError,
)


class SmtpMailer:
    """Renders a letter, builds its email and sends it to the configured SMTP server."""

    def __init__(
        self,
        settings: SmtpSettings,
        renderer: LetterRenderer,
        sender: Address,
        message_id_domain: str,
    ) -> None:
        self.settings = settings
        self.renderer = renderer
        self.sender = sender
        self.message_id_domain = message_id_domain

    async def send(self, letter: Letter, message_id: str, now: datetime) -> None:
        """Send, retrying refusals; NotDeliveredError when it gave up, DeliveryUncertainError
        when a connection broke mid-transfer."""
        message = build_email(
            self.renderer.render(letter), self.sender, now, self.message_id_domain, message_id
        )
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(REFUSED),
            stop=stop_after_attempt(self.settings.attempts),
            wait=wait_exponential(
                multiplier=self.settings.backoff_initial_s, max=self.settings.backoff_max_s
            ),
        )
        password = self.settings.password
        try:
            async for attempt in retrying:
                with attempt:
                    await aiosmtplib.send(
                        message,
                        hostname=self.settings.host,
                        port=self.settings.port,
                        timeout=self.settings.timeout_s,
                        use_tls=self.settings.use_tls,
                        start_tls=False if self.settings.use_tls else self.settings.start_tls,
                        username=self.settings.username,
                        password=password.get_secret_value() if password else None,
                    )
        except RetryError as error:
            cause = error.last_attempt.exception()
            raise NotDeliveredError(
                f"SMTP {self.settings.host}:{self.settings.port} refused "
                f"{self.settings.attempts} times: {cause}"
            ) from cause
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryUncertainError(f"SMTP broke while sending: {error!r}") from error
