"""Helpers for documents that carry their outbox: nested maps for inserts."""

from __future__ import annotations

from typing import Any

from rebub_shared.mongo import Document


def nested(fields: dict[str, Any]) -> Document:
    """``outbox_set`` gives ``$set`` paths (``outbox.<id>``); an insert wants the nested map."""
    out: Document = {}
    for path, value in fields.items():
        head, _, rest = path.partition(".")
        if rest:
            out.setdefault(head, {})[rest] = value
        else:
            out[head] = value
    return out
