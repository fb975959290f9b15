"""The build-time fix to FerretDB v1's SQLite backend: applied as written, refused when stale,
and, on the running store, lookups by ``_id`` use the ``_id`` index whatever else the filter holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from rebub.infra.ferretdb import PATCH, patched_module
from rebub.infra.server import InfraError
from rebub.testing.plugin import Namespace

PROJECT = Path(__file__).resolve().parents[4]


def _fake_module(tmp_path: Path, constant: str) -> tuple[Path, Path]:
    source = tmp_path / "cache" / "FerretDB@v1.24.2"
    metadata = source / "internal/backends/sqlite/metadata"
    metadata.mkdir(parents=True)
    (metadata / "metadata.go").write_text(f"package metadata\n\nconst (\n\t{constant}\n)\n")
    module = tmp_path / "module"
    module.mkdir()
    (module / "go.mod").write_text("module rebub/ferretdb\n")
    (module / "go.sum").write_text("")
    (module / PATCH).write_text(
        "[[edit]]\n"
        'file = "internal/backends/sqlite/metadata/metadata.go"\n'
        "old = '''IDColumn = DefaultColumn + \"->'$._id'\"'''\n"
        "new = '''IDColumn = DefaultColumn + \"->\\\"_id\\\"\"'''\n"
    )
    return source, module


def test_the_edits_go_to_a_copy_and_the_modfile_points_the_build_at_it(tmp_path: Path) -> None:
    source, module = _fake_module(tmp_path, "IDColumn = DefaultColumn + \"->'$._id'\"")
    modfile = patched_module(source, module, tmp_path / "build", "github.com/FerretDB/FerretDB")

    copy = tmp_path / "build" / "FerretDB"
    patched = (copy / "internal/backends/sqlite/metadata/metadata.go").read_text()
    assert 'IDColumn = DefaultColumn + "->\\"_id\\""' in patched
    assert "'$._id'" in (source / "internal/backends/sqlite/metadata/metadata.go").read_text()
    assert modfile.read_text().endswith(f"replace github.com/FerretDB/FerretDB => {copy}\n")
    assert (tmp_path / "build" / "build.sum").exists()


def test_an_edit_that_no_longer_matches_stops_the_build_naming_the_file(tmp_path: Path) -> None:
    source, module = _fake_module(tmp_path, "IDColumn = DefaultColumn + \"->'$.id'\"")
    with pytest.raises(InfraError, match=r"metadata\.go no longer matches"):
        patched_module(source, module, tmp_path / "build", "github.com/FerretDB/FerretDB")


def test_the_project_patch_names_files_of_the_pinned_ferretdb() -> None:
    text = (PROJECT / "infra" / "ferretdb" / PATCH).read_text()
    assert text.count("[[edit]]") == 4
    assert "FerretDB v1.24.2" in text
    assert "github.com/FerretDB/FerretDB v1.24.2" in (PROJECT / "infra/ferretdb/go.mod").read_text()


@pytest.mark.integration
async def test_lookups_by_id_use_the_index_and_still_apply_the_whole_filter(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    if namespace.backends.origin != "local":
        pytest.skip("the query plan checked here is FerretDB-on-SQLite's")
    db = mongo_client[f"{namespace.database_prefix}ub_probe"]
    await db.patrons.insert_many(
        [{"_id": f"P{n:04d}", "revision": n % 3} for n in range(200)], ordered=True
    )
    for filter_ in (
        {"_id": "P0150"},
        {"_id": "P0150", "revision": 0},
        {"_id": {"$in": ["P0150", "P0007"]}, "revision": {"$gte": 1}},
        {"_id": {"$gte": "P01", "$lt": "P02"}, "revision": 1},
    ):
        plan = await db.command("explain", {"find": "patrons", "filter": filter_})
        assert any("USING INDEX" in step for step in plan["queryPlanner"]["Plan"]), plan

    # Narrowed by _id, filtered whole: P0150 has revision 0, P0007 revision 1.
    assert await db.patrons.find_one({"_id": "P0150", "revision": 1}) is None
    found = await db.patrons.find({"_id": {"$in": ["P0150", "P0007"]}, "revision": 1}).to_list()
    assert [d["_id"] for d in found] == ["P0007"]
    # A prefix range: every _id starting with P01 (and only those), the rest of the filter applied.
    ranged = await db.patrons.find({"_id": {"$gte": "P01", "$lt": "P02"}, "revision": 1}).to_list()
    assert sorted(d["_id"] for d in ranged) == [f"P{n:04d}" for n in range(100, 200) if n % 3 == 1]
    # Another range is not narrowed (its strings' JSON text could sort otherwise), still answered.
    wide = await db.patrons.count_documents({"_id": {"$gte": "P0", "$lt": "P2"}, "revision": 1})
    assert wide == len([n for n in range(200) if n % 3 == 1])
    # A compare-and-set by (_id, revision) changes only the matching document.
    missed = await db.patrons.update_one({"_id": "P0150", "revision": 2}, {"$set": {"x": 1}})
    hit = await db.patrons.update_one({"_id": "P0150", "revision": 0}, {"$set": {"x": 1}})
    assert (missed.matched_count, hit.modified_count) == (0, 1)
    deleted = await db.patrons.delete_many({"_id": {"$in": ["P0001", "P0002"]}, "revision": 1})
    assert deleted.deleted_count == 1
    assert await db.patrons.count_documents({}) == 199
