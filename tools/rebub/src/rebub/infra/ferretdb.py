"""FerretDB v1 (MongoDB wire protocol, SQLite storage) on loopback, built from the project's module.

The build applies ``infra/ferretdb/sqlite-id-index.toml`` to a copy of the module: FerretDB
v1.24's SQLite backend never used its own ``_id`` index (see that file), which made every lookup
by ``_id`` a table scan.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from rebub.infra.server import InfraError, LocalServer, require_tool
from rebub_shared.private_files import private_dir


class LocalFerretDB(LocalServer):
    name = "ferretdb"
    env_override = "REBUB_MONGO_URI"

    @property
    def address(self) -> str:
        # One connection per client: FerretDB v1 reads a document, updates it in Go and writes
        # it whole, without isolating two writers of one document, so two concurrent updates of
        # it over two connections lose one (100 concurrent $inc left n = 5 here). Over one
        # connection a client's operations reach it one after the other. MongoDB needs no such
        # option (docs/architecture.md, "The document store").
        return f"mongodb://{self.host}:{self.port}/?maxPoolSize=1"

    @property
    def binary(self) -> Path:
        return self.cache / "bin" / "ferretdb"

    def _inputs(self) -> list[Path]:
        module = self.paths.ferretdb_module
        return [module / "go.mod", module / "go.sum", module / "main.go", module / PATCH]

    def _prepare(self) -> None:
        go = require_tool("go", "to build FerretDB", "Go 1.24 or later, https://go.dev/doc/install")
        self.binary.parent.mkdir(parents=True, exist_ok=True)
        module = self.paths.ferretdb_module
        downloaded = json.loads(
            self._go(go, "mod", "download", "-json", "github.com/FerretDB/FerretDB")
        )
        modfile = patched_module(
            Path(downloaded["Dir"]), module, self.cache / "src", downloaded["Path"]
        )
        self._go(
            go,
            "build",
            "-trimpath",
            "-tags",
            "ferretdb_no_postgresql",
            f"-modfile={modfile}",
            "-o",
            str(self.binary),
            ".",
        )

    def _go(self, *command: str) -> str:
        result = subprocess.run(
            command,
            cwd=self.paths.ferretdb_module,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise InfraError(
                f"building FerretDB failed ({' '.join(command[1:3])}):\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        return result.stdout

    def _before_start(self) -> None:
        private_dir(self.dir / "data")

    def _command(self) -> list[str]:
        return [
            str(self.binary),
            "-listen",
            f"{self.host}:{self.port}",
            "-data",
            str(self.dir / "data"),
        ]

    def _ready(self) -> bool:
        client: MongoClient[dict[str, object]] = MongoClient(
            self.external or self.address, serverSelectionTimeoutMS=2000
        )
        try:
            client.admin.command("ping")
            return True
        except PyMongoError:
            return False
        finally:
            client.close()


PATCH = "sqlite-id-index.toml"


def patched_module(source: Path, module: Path, into: Path, path: str) -> Path:
    """Copy FerretDB's module (``source``, read-only in Go's cache) under ``into``, apply the
    edits of ``module``'s patch to it, and return a ``-modfile`` that builds ``module`` with it.
    Go refuses ``-overlay`` for files of its module cache, hence the copy (3 MB)."""
    copy = into / "FerretDB"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy, copy_function=shutil.copyfile)
    for folder in (copy, *(p for p in copy.rglob("*") if p.is_dir())):
        folder.chmod(0o755)  # the cache's folders are read-only; the copy must stay removable
    edits = tomllib.loads((module / PATCH).read_text(encoding="utf-8"))["edit"]
    for edit in edits:
        target = copy / edit["file"]
        text = target.read_text(encoding="utf-8")
        if text.count(edit["old"]) != 1:
            raise InfraError(
                f"{PATCH}: an edit of {edit['file']} no longer matches FerretDB's source "
                f"({source}); update the patch for this FerretDB version"
            )
        target.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
    modfile = into / "build.mod"
    go_mod = (module / "go.mod").read_text(encoding="utf-8")
    modfile.write_text(f"{go_mod}\nreplace {path} => {copy}\n", encoding="utf-8")
    shutil.copyfile(module / "go.sum", into / "build.sum")
    return modfile
