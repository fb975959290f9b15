"""Item files: JSON lines (``.jsonl``, ``.ndjson``) or CSV with a header (``.csv``).

Fields: barcode, title, library, location, item_policy (optional, empty = none), status
(optional, default available). Every problem names the file, the line and the field.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from circulation.service_layer.commands import ItemRecord
from circulation.service_layer.errors import InvalidItemRecordError

JSON_LINES = (".jsonl", ".ndjson")


def read_item_file(path: Path) -> list[ItemRecord]:
    """All records of the file, or InvalidItemRecordError for the first bad line."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix in JSON_LINES:
            parsed = [(number, _json(path, number, line)) for number, line in enumerate(handle, 1)]
            rows = [(number, row) for number, row in parsed if row is not None]
        elif path.suffix == ".csv":
            reader = csv.DictReader(handle)
            rows = [(reader.line_num, _blank_to_none(row)) for row in reader]
        else:
            raise InvalidItemRecordError("items_file", str(path), "use .jsonl, .ndjson or .csv")
    return [_record(path, number, row) for number, row in rows]


def _json(path: Path, number: int, line: str) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise InvalidItemRecordError(f"{path}:{number}", line.strip()[:80], str(error)) from error
    if not isinstance(row, dict):
        raise InvalidItemRecordError(f"{path}:{number}", row, "expected a JSON object")
    return row


def _blank_to_none(row: dict[str, Any]) -> dict[str, Any]:
    return {key: (value or None) for key, value in row.items() if key}


def _record(path: Path, number: int, row: dict[str, Any]) -> ItemRecord:
    if row.get("status") is None:
        row.pop("status", None)
    try:
        return ItemRecord.model_validate(row)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InvalidItemRecordError(
            f"{path}:{number}: {field}", first.get("input"), first["msg"]
        ) from error
