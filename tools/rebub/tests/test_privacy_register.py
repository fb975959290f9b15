"""docs/privacy.md's register matches the code (issue 21): every collection the services'
adapters open is classified in ``rebub.personal_data`` (personal data or not) and registered in
the matching table; every file setting of the services is classified, the personal ones (and the
development SMTP sink's folder) registered; a topic whose event contracts carry a name, a
contact, a patron id or a barcode is registered as holding personal data, one whose contracts
carry none is not; dead letters are kept the register's period."""

from __future__ import annotations

import functools
import importlib
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from rebub.deploy.services import service_topologies
from rebub.infra.paths import project_root
from rebub.mailbox import LocalMailbox
from rebub.personal_data import (
    PERSONAL_COLLECTIONS,
    PERSONAL_FILES,
    PLAIN_COLLECTIONS,
    PLAIN_FILES,
    personal_fields,
)
from rebub_shared.topic_table import DAY_MS, topic_spec, topic_table
from rebub_shared.topics import Topics

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
            if len(cells) >= 2 and cells[0] == "file":
                found[("file", cells[1])] = line
            elif len(cells) >= 2 and cells[0] in ("collection", "topic"):
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


def test_every_collection_is_classified_in_the_code_and_registered_as_such() -> None:
    # A new collection fails until rebub.personal_data says whether it holds personal data and
    # the register has its row in the matching table.
    register, without = _register()
    opened = _collections()
    assert {"accounts", "nz_accounts", "loans", "letters", "audit"} <= opened  # the scan works
    assert PERSONAL_COLLECTIONS.isdisjoint(PLAIN_COLLECTIONS)
    assert sorted(opened - PERSONAL_COLLECTIONS - PLAIN_COLLECTIONS) == []
    assert sorted((PERSONAL_COLLECTIONS | PLAIN_COLLECTIONS) - opened) == []
    personal = {name for kind, name in register if kind == "collection"}
    plain = {name for kind, name in without if kind == "collection"}
    assert sorted(personal ^ PERSONAL_COLLECTIONS) == []
    assert sorted(plain ^ PLAIN_COLLECTIONS) == []


def _path_settings() -> set[str]:
    """Every file or folder setting of the services (``module:field``), nested groups too."""
    found = set()
    for folder in sorted(project_root().glob("services/*/src/*/settings.py")):
        module = importlib.import_module(f"{folder.parent.name}.settings")
        for model in vars(module).values():
            if isinstance(model, type) and issubclass(model, BaseModel):
                found |= {f"{module.__name__}:{f}" for f in _paths_of(model)}
    return found


def _paths_of(model: type[BaseModel]) -> set[str]:
    return {name for name, info in model.model_fields.items() if Path in _types(info.annotation)}


def _types(annotation: Any) -> set[Any]:
    return {annotation, *(t for a in getattr(annotation, "__args__", ()) for t in _types(a))}


def test_every_file_the_services_write_is_classified_and_registered() -> None:
    register, _ = _register()
    assert {s for s in PERSONAL_FILES.values() if ".settings:" in s} | PLAIN_FILES == (
        _path_settings()
    )
    sink = PERSONAL_FILES["notifier mail folder (`.eml`)"]  # the development SMTP sink's folder
    assert sink == f"{LocalMailbox.__module__}:{LocalMailbox.__name__}"
    assert sorted({name for kind, name in register if kind == "file"} ^ set(PERSONAL_FILES)) == []


def test_topics_with_personal_data_in_their_contracts_are_registered_as_such() -> None:
    register, without = _register()
    personal = {name for kind, name in register if kind == "topic"}
    plain = {name for kind, name in without if kind == "topic"}
    for spec in topic_table():
        fields = {f for event in spec.events for f in personal_fields(event)}
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


def test_every_dead_letter_topic_is_kept_the_registers_period() -> None:
    register, _ = _register()
    how_long = register[("topic", "{inst}.dlq.*")].split("|")[5]
    days = int(re.match(r"\s*(\d+) days", how_long).group(1))  # type: ignore[union-attr]
    topics = Topics()
    dead = {
        topics.dead_letter(name, topology.tenant)
        for topology in service_topologies(topics)
        for name in topology.topics_read
    }
    assert len(dead) > 10  # the services read topics: they have dead letters
    for name in sorted(dead):
        assert topic_spec(name, topics).config()["retention.ms"] == days * DAY_MS, name
