"""Whether a record on a topic comes from a tenant that may write there.

Each topic has an owner (``Topics``): ``{inst}.*`` is written by that institution only, ``nz.*``
by the network zone, ``net.*`` by any of the five institutions. A record whose ``ce_tenant`` is
not the owner, or whose ``ce_source`` does not name its ``ce_tenant`` (every rebub source is a
path holding it: ``/rebub/ub/circulation``, ``/rebub/patron-sync/network``), is refused to the
dead letters by the consumer, before any handler sees it. The secured broker's ACLs are the
production enforcement; this check makes a forged or misrouted record harmless wherever they are
missing or wrong. That the data agrees with its envelope (a loan summary's institution is its
tenant) is checked when it is decoded (``EventPayload.issuer``).
"""

from __future__ import annotations

from collections.abc import Mapping

from rebub_shared.tenancy import NETWORK, institution_codes
from rebub_shared.topics import Topics


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def allowed_writers(topics: Topics, topic: str) -> tuple[str, ...] | None:
    """The tenants that may write on ``topic``; None for a topic outside rebub's families."""
    family = topic.removeprefix(topics.prefix).split(".", 1)[0]
    if family == "nz":
        return (NETWORK,)
    if family == "net":
        return institution_codes()
    if family in institution_codes():
        return (family,)
    return None


def provenance_error(topics: Topics, topic: str, headers: Mapping[str, object]) -> str | None:
    """Why a record with these headers may not be on ``topic`` (None: it may)."""
    writers = allowed_writers(topics, topic)
    if writers is None:
        return None
    tenant = _text(headers.get("ce_tenant"))
    bare = topic.removeprefix(topics.prefix)
    if tenant is None:
        return f"ce_tenant: missing on {bare} (written by {' or '.join(writers)} only)"
    if tenant not in writers:
        return f"ce_tenant: {tenant[:64]!r} may not write on {bare} ({' or '.join(writers)} only)"
    source = _text(headers.get("ce_source")) or ""
    if tenant not in source.strip("/").split("/"):
        return f"ce_source: {source[:200]!r} does not name ce_tenant {tenant!r}"
    return None
