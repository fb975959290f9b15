"""What every circulation aggregate (``Loan``, ``Request``) has: a version and its outbox.

An aggregate changes by recording an event: ``version`` grows by one and the event (id
``<aggregate id>:<version>``, the time given, the aggregate's own identifying fields) joins
``pending_events``. The repository writes the state and those events in one document write,
guarded by ``saved_version`` (the version it read), and the relay publishes the events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from rebub_shared.clock import as_utc

EventT = TypeVar("EventT")


class Aggregate(BaseModel, Generic[EventT]):
    """The version and the events recorded since the aggregate was last saved."""

    version: int = 0
    pending_events: list[EventT] = []

    @property
    def aggregate_id(self) -> str:
        """The id events are named after (``<aggregate id>:<version>``)."""
        raise NotImplementedError

    @property
    def saved_version(self) -> int:
        """The version as last read or written: the guard of the next write."""
        return self.version - len(self.pending_events)

    def _event_fields(self) -> dict[str, Any]:
        """The fields every event of this aggregate carries, at the version just reached."""
        raise NotImplementedError

    def _record(self, event: Callable[..., EventT], now: datetime, **fields: Any) -> None:
        self.version += 1
        self.pending_events.append(
            event(
                event_id=f"{self.aggregate_id}:{self.version}",
                occurred_at=as_utc("now", now),
                **self._event_fields(),
                **fields,
            )
        )
