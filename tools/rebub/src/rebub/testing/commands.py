"""The commands a PyMongo client sends to the store (its round trips), seen by a test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import monitoring

#: Each write command and the field holding its documents or statements.
_WRITES = {"insert": "documents", "update": "updates", "delete": "deletes"}


class CommandLog(monitoring.CommandListener):
    """Every command started, in order (pass it in the client's ``event_listeners``)."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, Mapping[str, Any]]] = []

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.commands]

    @property
    def writes(self) -> list[tuple[str, int]]:
        """Each write command and how many documents or statements it carried."""
        return [(n, len(c[_WRITES[n]])) for n, c in self.commands if n in _WRITES]

    def clear(self) -> None:
        self.commands.clear()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append((event.command_name, event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None
