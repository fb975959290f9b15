"""What every notifier handler is given besides its command and its store (the unit of work):
the institution's settings, the channels, the clock and where letters are announced; wired once
by ``bootstrap`` (real adapters or fakes)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from rebub_shared.clock import Clock

from ..domain import InstitutionSettings
from .ports import Mailer, Printer


async def _nothing(letter_id: str) -> None:
    return None


@dataclass
class Context:
    """One institution's notifier: settings, channels, clock and where letters are announced.

    after_sent: called with a letter id once it is recorded as sent (the outbox relay, for real).
    lock: one pass or letter on request at a time in this process (one notifier per institution).
    stopping: set by a graceful stop; a pass finishes the letter in flight and sends no more.
    owner: this process, as the owner of the letter attempts it takes (``claim_attempt``).
    """

    settings: InstitutionSettings
    mailer: Mailer
    printer: Printer
    clock: Clock
    letter_topic: str
    message_id_domain: str
    after_sent: Callable[[str], Awaitable[None]] = _nothing
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    stopping: bool = False
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def institution(self) -> str:
        return self.settings.code

    @property
    def source(self) -> str:
        """The CloudEvents source of this notifier's events."""
        return f"/rebub/{self.settings.code}/notifier"
