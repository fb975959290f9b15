"""Runs a command's handler with a fresh unit of work, then relays the events it wrote.

The relay right after the command keeps latency low; if it fails (broker away, crash), the
events stay in the document's outbox (a loan's, a request's, an item's) and the background relay
publishes them later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from rebub_shared.logging import get_logger
from rebub_shared.messagebus import Command, Handlers, R

from .context import Context
from .ports import UnitOfWork

log = get_logger(__name__)
# Past this many written documents (bulk returns, jobs) the answer does not wait for the relay:
# the background relay publishes them (each relayed event costs a publish and a write).
RELAY_INLINE_MAX = 20


class Relay(Protocol):
    """Publishes the pending events of documents (loans, requests or items) by id (an outbox
    relay)."""

    async def relay_soon(self, document_id: str, written: Mapping[str, Any] | None = None) -> int:
        """Relay one document now (``written``: as the command wrote it, so not read); return
        how many events were sent."""
        ...

    def later(self, document_ids: Iterable[str]) -> None:
        """Leave these documents to the background relay."""
        ...


class MessageBus:
    """The service layer's single entry: ``await bus.handle(command)``."""

    def __init__(
        self,
        ctx: Context,
        uow_factory: Callable[[], UnitOfWork],
        handlers: Handlers[UnitOfWork, Context],
        relay: Relay | None = None,
        request_relay: Relay | None = None,
        item_relay: Relay | None = None,
    ) -> None:
        self.ctx = ctx
        self.uow_factory = uow_factory
        self._handlers = handlers
        self._relay = relay
        self._request_relay = request_relay
        self._item_relay = item_relay

    async def handle(self, command: Command[R]) -> R:
        """Run the command's handler; relay what it wrote (a failed relay is retried later)."""
        uow = self.uow_factory()
        result = await self._handlers.handle(command, uow, self.ctx)
        await _relay(self._relay, uow.loans.written, uow.loans.as_written)
        await _relay(self._request_relay, uow.requests.written, uow.requests.as_written)
        await _relay(self._item_relay, uow.items.written, uow.items.as_written)
        return result


async def _relay(
    relay: Relay | None, written: list[str], documents: Mapping[str, Mapping[str, Any]]
) -> None:
    ids = list(dict.fromkeys(written))
    if relay is None:
        return
    if len(ids) > RELAY_INLINE_MAX:
        relay.later(ids)
        return
    for doc_id in ids:
        try:
            await relay.relay_soon(doc_id, documents.get(doc_id))
        except Exception as error:  # the write is done; the background relay retries
            log.warning("outbox_relay_deferred", document_id=doc_id, error=str(error))
