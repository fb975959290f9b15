"""What every notifier handler is given besides its command and its store (the unit of work):
the institution's settings, the channels, the clock and where letters are announced; wired once
by ``bootstrap`` (real adapters or fakes)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rebub_shared.clock import Clock

from ..domain import InstitutionSettings
from .ports import Mailer, Printer


async def nothing_to_announce(letter_id: str, written: Mapping[str, Any] | None = None) -> None:
    """The default ``after_sent``: no relay (unit tests read the store's outbox)."""
    return None


def nothing_to_count(outcome: str) -> None:
    """The default ``letter_outcome``: no metric (unit tests)."""


#: Called with what became of a letter: "sent", "failed" (not delivered, tried again) or
#: "uncertain" (it may have left; never resent): the notifier's metric of letters.
LetterOutcome = Callable[[str], None]

#: Called with a letter id and its outbox as written (``{"outbox": ...}``), once it is SENT.
AfterSent = Callable[[str, Mapping[str, Any] | None], Awaitable[None]]


@dataclass
class Context:
    """One institution's notifier: settings, channels, clock and where letters are announced.

    after_sent: called with a letter id and its outbox as written once it is recorded as sent
        (the outbox relay, for real: it publishes without reading the letter).
    letter_outcome: called with "sent", "failed" or "uncertain" as each letter settles (a metric).
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
    after_sent: AfterSent = nothing_to_announce
    letter_outcome: LetterOutcome = nothing_to_count
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
