"""Runs a command's handler with a fresh unit of work, then relays the events it wrote.

The relay right after the command keeps latency low; if it fails (broker away, crash), the
events stay in the loans' outbox and the background relay publishes them later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rebub_shared.logging import get_logger

from .commands import Command
from .context import Context
from .handlers import Handler
from .ports import UnitOfWork

log = get_logger(__name__)
Relay = Callable[[str], Awaitable[int]]


class MessageBus:
    """The service layer's single entry: ``await bus.handle(command)``."""

    def __init__(
        self,
        ctx: Context,
        uow_factory: Callable[[], UnitOfWork],
        handlers: Mapping[type[Command], Handler],
        relay: Relay | None = None,
    ) -> None:
        self.ctx = ctx
        self.uow_factory = uow_factory
        self._handlers = handlers
        self._relay = relay

    async def handle(self, command: Command) -> Any:
        """Run the command's handler; relay what it wrote (a failed relay is retried later)."""
        uow = self.uow_factory()
        result = await self._handlers[type(command)](command, uow, self.ctx)
        if self._relay is not None:
            for loan_id in dict.fromkeys(uow.loans.written):
                try:
                    await self._relay(loan_id)
                except Exception as error:  # the write is done; the background relay retries
                    log.warning("outbox_relay_deferred", loan_id=loan_id, error=str(error))
        return result
