"""FerretDB v1 (MongoDB wire protocol, SQLite storage) on loopback, built from the project's module."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from rebub.infra.server import InfraError, LocalServer, require_tool


class LocalFerretDB(LocalServer):
    name = "ferretdb"
    env_override = "REBUB_MONGO_URI"

    @property
    def address(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"

    @property
    def binary(self) -> Path:
        return self.cache / "bin" / "ferretdb"

    def _inputs(self) -> list[Path]:
        module = self.paths.ferretdb_module
        return [module / "go.mod", module / "go.sum", module / "main.go"]

    def _prepare(self) -> None:
        go = require_tool("go", "to build FerretDB", "Go 1.24 or later, https://go.dev/doc/install")
        self.binary.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                go,
                "build",
                "-trimpath",
                "-tags",
                "ferretdb_no_postgresql",
                "-o",
                str(self.binary),
                ".",
            ],
            cwd=self.paths.ferretdb_module,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise InfraError(
                f"building FerretDB failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )

    def _before_start(self) -> None:
        (self.dir / "data").mkdir(exist_ok=True)

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
