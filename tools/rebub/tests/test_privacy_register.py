"""docs/privacy.md's register matches the code (issue 21): every collection the services'
adapters open and every topic of the topic table is registered, with or without personal data;
a topic whose event contracts carry a name, a contact, a patron id or a barcode is registered as
holding personal data, and one whose contracts carry none is not."""

from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from rebub.infra.paths import project_root
from rebub_shared.topic_table import topic_table

#: Field names that carry personal data in the event contracts.
PERSONAL_FIELDS = frozenset(
    {
        "last_name",
        "first_name",
        "emails",
        "email",
        "addresses",
        "address",
        "phones",
        "phone",
        "patron_id",
        "primary_id",
        "barcodes",
    }
)
# Where collections are opened: ``db["name"]`` or a constant named in ``db[NAME]``.
SOURCES = ("services/*/src/*/adapters/*.py", "shared/src/rebub_shared/*.py")
_SUBSCRIPT = re.compile(r"db\[(\"[a-z_]+\"|[A-Z_]+)\]")
_CONSTANTS = re.compile(r"^([A-Z_, ]+) = (\"[a-z_]+\"(?:, \"[a-z_]+\")*)$", re.MULTILINE)


def _register() -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """The register's rows (kind, store name -> the row) and the rows without personal data."""
    text = (project_root() / "docs" / "privacy.md").read_text()
    register, without = text.split("## Without personal data")
    without = without.split("\n## ")[0]

    def rows(section: str) -> dict[tuple[str, str], str]:
        found = {}
        for line in section.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2 and cells[0] in ("collection", "topic", "file"):
                for name in re.findall(r"`([^`]+)`", cells[1]):
                    found[(cells[0], name)] = line
        return found

    return rows(register), set(rows(without))


def _collections() -> set[str]:
    """Every collection name the adapters and the shared library open."""
    root, names = project_root(), set()
    for pattern in SOURCES:
        for path in root.glob(pattern):
            source = path.read_text()
            # A file's own constants, then the shared library's (``db[LEASES]`` is imported).
            constants = _shared_constants() | _constants(source)
            for used in _SUBSCRIPT.findall(source):
                name = used.strip('"') if used.startswith('"') else constants.get(used)
                if name is not None:
                    names.add(name)
    return names


def _constants(source: str) -> dict[str, str]:
    """The collection-name constants a source defines (``NAME = "name"``)."""
    found: dict[str, str] = {}
    for targets, values in _CONSTANTS.findall(source):
        keys = [t.strip() for t in targets.split(",")]
        found |= dict(zip(keys, re.findall(r"\"([a-z_]+)\"", values), strict=True))
    return found


@functools.cache
def _shared_constants() -> dict[str, str]:
    """The constants of the shared library, which the services import."""
    shared = project_root().glob("shared/src/rebub_shared/*.py")
    return {k: v for path in shared for k, v in _constants(path.read_text()).items()}


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or args:
        return [m for a in args for m in _models(a)]
    return []


def _personal(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """The personal fields of ``model`` and of the models it nests (dotted paths)."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    found = set()
    for name, info in model.model_fields.items():
        if name in PERSONAL_FIELDS:
            found.add(name)
        for nested in _models(info.annotation):
            found |= {f"{name}.{f}" for f in _personal(nested, seen)}
    return found


def test_every_collection_is_registered_with_or_without_personal_data() -> None:
    register, without = _register()
    registered = {name for kind, name in (*register, *without) if kind == "collection"}
    opened = _collections()
    assert {"accounts", "nz_accounts", "loans", "letters", "audit"} <= opened  # the scan works
    assert sorted(opened - registered) == []
    assert sorted(registered - opened) == []


def test_topics_with_personal_data_in_their_contracts_are_registered_as_such() -> None:
    register, without = _register()
    personal = {name for kind, name in register if kind == "topic"}
    plain = {name for kind, name in without if kind == "topic"}
    for spec in topic_table():
        fields = {f for event in spec.events for f in _personal(event)}
        if fields:
            assert spec.pattern in personal, f"{spec.pattern} carries {sorted(fields)}"
        else:
            assert spec.pattern in plain, f"{spec.pattern} is not in the register"
    assert "{inst}.dlq.*" in personal  # dead letters copy the records of their topics


def test_the_projection_row_names_the_fields_the_code_keeps() -> None:
    from patron_sync.domain.nz_entries import NZ_ENTRY_FIELDS

    register, _ = _register()
    row = register[("collection", "nz_accounts")]
    for field in NZ_ENTRY_FIELDS - {"version"}:
        assert field.replace("_", " ") in row.replace("_", " "), field
    assert "no contact data" in row
