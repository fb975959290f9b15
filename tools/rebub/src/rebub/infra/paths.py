"""Where the local infrastructure keeps its downloads, builds and data: one folder, ignored by git."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from rebub_shared.private_files import private_dir


def project_root() -> Path:
    """The repository root (the folder holding ``infra/``), found from this package or the cwd."""
    candidates = [Path(__file__).resolve().parents[i] for i in range(3, 6)] + [Path.cwd()]
    for candidate in candidates:
        if (candidate / "infra" / "kafka" / "pom.xml").is_file():
            return candidate
    raise FileNotFoundError("rebub: cannot find the project (a folder with infra/kafka/pom.xml)")


@dataclass(frozen=True)
class InfraPaths:
    """The sources kept in the project, the cache of downloads and builds, and the state folder.

    By default both live in ``.rebub/`` at the project root (``$REBUB_HOME`` moves the state,
    ``$REBUB_CACHE`` the cache).
    """

    root: Path
    home: Path
    cache: Path

    @classmethod
    def default(cls) -> InfraPaths:
        root = project_root()
        home = Path(os.environ.get("REBUB_HOME", root / ".rebub"))
        cache = Path(os.environ.get("REBUB_CACHE", root / ".rebub" / "cache"))
        return cls(root=root, home=home, cache=cache)

    @property
    def kafka_pom(self) -> Path:
        return self.root / "infra" / "kafka" / "pom.xml"

    @property
    def keycloak_pom(self) -> Path:
        return self.root / "infra" / "keycloak" / "pom.xml"

    @property
    def keycloak_conf(self) -> Path:
        return self.root / "infra" / "keycloak" / "keycloak.conf"

    @property
    def ferretdb_module(self) -> Path:
        return self.root / "infra" / "ferretdb"

    def component(self, name: str) -> Path:
        """A server's state: configuration, data, log and pid file (private: 0700)."""
        private_dir(self.home)
        return private_dir(self.home / name)

    def cached(self, name: str) -> Path:
        """A server's downloads or build, shared by every state folder."""
        return _mkdir(self.cache / name)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def fingerprint(*files: Path) -> str:
    """A hash of the files a download or build depends on: a changed pom or go.sum redoes it."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()
