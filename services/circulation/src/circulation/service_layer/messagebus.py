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
"""Publishes the pending events of one document (loan or request), by id."""
# Past this many written documents (bulk returns, jobs) the answer does not wait for the relay:
# the background relay publishes them (on FerretDB each relayed event costs two writes).
RELAY_INLINE_MAX = 20


class MessageBus:
    """The service layer's single entry: ``await bus.handle(command)``."""

    def __init__(
        self,
        ctx: Context,
        uow_factory: Callable[[], UnitOfWork],
        handlers: Mapping[type[Command], Handler],
        relay: Relay | None = None,
        request_relay: Relay | None = None,
    ) -> None:
        self.ctx = ctx
        self.uow_factory = uow_factory
        self._handlers = handlers
        self._relay = relay
        self._request_relay = request_relay

    async def handle(self, command: Command) -> Any:
        """Run the command's handler; relay what it wrote (a failed relay is retried later)."""
        uow = self.uow_factory()
        result = await self._handlers[type(command)](command, uow, self.ctx)
        await _relay(self._relay, uow.loans.written)
        await _relay(self._request_relay, uow.requests.written)
        return result


async def _relay(relay: Relay | None, written: list[str]) -> None:
    ids = list(dict.fromkeys(written))
    if relay is None or len(ids) > RELAY_INLINE_MAX:
        return
    for doc_id in ids:
        try:
            await relay(doc_id)
        except Exception as error:  # the write is done; the background relay retries
            log.warning("outbox_relay_deferred", document_id=doc_id, error=str(error))
