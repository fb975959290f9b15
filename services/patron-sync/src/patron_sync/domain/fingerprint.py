"""Stable content fingerprint of a record: equal content, equal fingerprint.

Lists (emails, addresses, phones, identifiers) are compared as sets: a DSI that reorders them
does not produce an event. The canonical form is JSON with sorted keys, hashed with SHA-256.
"""

import hashlib
import json
from typing import Any

from patron_sync.domain.patron import PatronRecord

#: Bump when the canonical form changes, so old and new fingerprints never compare equal.
FINGERPRINT_SCHEME = "v1"


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def fingerprint(record: PatronRecord) -> str:
    """Return ``"v1:<sha256 hex>"`` of the record's canonical JSON (list order ignored)."""
    canonical = _canonical(record.model_dump(mode="json"))
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{FINGERPRINT_SCHEME}:{hashlib.sha256(text.encode()).hexdigest()}"
