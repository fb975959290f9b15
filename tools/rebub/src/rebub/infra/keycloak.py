"""Keycloak 26.5 on loopback: the local OIDC provider, from the zip Maven Central serves.

Prepared once in the cache (shared by every state folder): the distribution is copied by Maven
(``infra/keycloak/pom.xml``), unpacked, given ``infra/keycloak/keycloak.conf`` and built by
Keycloak's own build step, so each start is an optimized one. Each state folder has its own
Keycloak home (``<state>/keycloak/home``): links to the distribution and its own ``data/`` (the H2
database and the import folder, 0700).

At every start the realm ``rebub`` is generated from code (``rebub.infra.keycloak_realm``) into
``data/import`` and Keycloak is started with ``--import-realm``. Keycloak imports a realm only when
it is absent (its override option belongs to the separate ``kc.sh import`` command), so the H2
database is thrown away whenever the generated realm differs from the one it was imported from
(its hash is kept beside it): a changed definition always applies, and an unchanged one keeps the
database, its signing keys and the faster start (see the README for both times).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from rebub.infra import process
from rebub.infra.keycloak_realm import REALM, dev_password, realm
from rebub.infra.paths import InfraPaths
from rebub.infra.server import InfraError, LocalServer, ServerStatus, maven_copy

JAVA_HOME_ENV = "REBUB_KEYCLOAK_JAVA_HOME"
DEFAULT_JAVA_HOME = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
JAVA_MIN = 21
ADMIN = "admin"  # the master realm's administrator (admin console): password admin-dev-password
PORT_ENV = "REBUB_KEYCLOAK_PORT"
DEFAULT_PORT = 8180
# The distribution's folders a home links to (its data/ is each state folder's own).
SHARED = ("bin", "conf", "lib", "providers", "themes")


def configured_port() -> int:
    """The local provider's port: ``REBUB_KEYCLOAK_PORT``, default 8180."""
    return int(os.environ.get(PORT_ENV, str(DEFAULT_PORT)))


def local_issuer(port: int, host: str = "127.0.0.1") -> str:
    """The issuer of the realm ``rebub`` on a local Keycloak."""
    return f"http://{host}:{port}/realms/{REALM}"


def default_issuer() -> str:
    """``REBUB_OIDC_ISSUER``, else the local provider's issuer."""
    return os.environ.get(LocalKeycloak.env_override) or local_issuer(configured_port())


class LocalKeycloak(LocalServer):
    name = "keycloak"
    env_override = "REBUB_OIDC_ISSUER"

    def __init__(
        self,
        paths: InfraPaths,
        port: int,
        *,
        definition: Callable[[], dict[str, Any]] = realm,
    ) -> None:
        super().__init__(paths, port)
        self.definition = definition  # the realm imported (a test may give a changed one)

    @property
    def issuer(self) -> str:
        return self.external or local_issuer(self.port, self.host)

    @property
    def address(self) -> str:
        return self.issuer

    @property
    def management_port(self) -> int:
        return self.port + 1

    @property
    def dist(self) -> Path:
        return self.cache / "dist"

    @property
    def home(self) -> Path:
        return self.dir / "home"

    @property
    def data(self) -> Path:
        return self.home / "data"

    def _inputs(self) -> list[Path]:
        return [self.paths.keycloak_pom, self.paths.keycloak_conf]

    def _prepare(self) -> None:
        download = self.cache / "download"
        maven_copy(self.paths.keycloak_pom, download, "Keycloak")
        zips = sorted(download.glob("keycloak-quarkus-dist-*.zip"))
        if len(zips) != 1:
            raise InfraError(f"fetching Keycloak gave {zips}, not one distribution")
        shutil.rmtree(self.dist, ignore_errors=True)
        unpack(zips[0], self.dist)
        shutil.rmtree(download, ignore_errors=True)  # 165 MB, kept in Maven's repository anyway
        shutil.copyfile(self.paths.keycloak_conf, self.dist / "conf" / "keycloak.conf")
        # Keycloak's build step (Quarkus augmentation) once, so every start is `--optimized`.
        result = subprocess.run(
            [str(self.dist / "bin" / "kc.sh"), "build"],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ | self._env(),
        )
        if result.returncode != 0:
            raise InfraError(
                f"building Keycloak failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )

    def _env(self) -> dict[str, str]:
        return {
            "JAVA_HOME": str(java_home()),
            # Only on the first start of a database: the admin console's account.
            "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN,
            "KC_BOOTSTRAP_ADMIN_PASSWORD": dev_password(ADMIN),
            # The C1 compiler only: a faster start, plenty for a development server. (A class-data
            # archive was tried: 130 MB per state folder, written at exit for over a minute here.)
            # On Java 24+, JBoss Threads asks for java.lang to be open (else errors at shutdown).
            "JAVA_OPTS_APPEND": "-XX:TieredStopAtLevel=1 --add-opens=java.base/java.lang=ALL-UNNAMED",
        }

    def _before_start(self) -> None:
        self.home.mkdir(exist_ok=True)
        for name in SHARED:
            link = self.home / name
            if link.is_symlink() and link.readlink() == self.dist / name:
                continue
            link.unlink(missing_ok=True)
            link.symlink_to(self.dist / name)
        imports = self.data / "import"
        imports.mkdir(parents=True, exist_ok=True)
        self.data.chmod(0o700)
        document = json.dumps(self.definition(), indent=2, sort_keys=True)
        wanted = hashlib.sha256(document.encode()).hexdigest()
        imported = self.data / "realm.sha256"
        if not imported.exists() or imported.read_text() != wanted:
            shutil.rmtree(self.data / "h2", ignore_errors=True)
            imported.write_text(wanted)
        (imports / f"{REALM}-realm.json").write_text(document)

    def _command(self) -> list[str]:
        origin = f"http://{self.host}:{self.port}"
        return [
            str(self.home / "bin" / "kc.sh"),
            # kc.sh resolves its own links: point Keycloak at this state folder's home.
            f"-Dkc.home.dir={self.home}",
            "start",
            "--optimized",
            f"--http-host={self.host}",
            f"--http-port={self.port}",
            f"--http-management-port={self.management_port}",
            f"--hostname={origin}",
            "--import-realm",
        ]

    def _ready(self) -> bool:
        try:
            answer = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=3.0)
            return answer.status_code == 200 and answer.json().get("issuer") == self.issuer
        except (httpx.HTTPError, ValueError):
            return False

    def start(self, *, timeout_s: float = 600.0) -> ServerStatus:
        """Start (see ``LocalServer.start``). A start that imports the realm took up to 7 minutes
        on this project's 2-core machine under heavy load (1-2 minutes usually), hence the wait."""
        return super().start(timeout_s=timeout_s)

    def stop(self) -> bool:
        return process.stop(self.pid_file, timeout_s=60.0)


def unpack(archive: Path, into: Path) -> None:
    """Unzip ``archive`` into ``into`` without its top folder, keeping the files' modes."""
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            parts = Path(member.filename).parts[1:]
            if not parts:
                continue
            target = into.joinpath(*parts)
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(member) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            mode = member.external_attr >> 16
            if mode & stat.S_IXUSR:
                target.chmod(0o755)


def java_home() -> Path:
    """A JDK of version 21 or later: ``REBUB_KEYCLOAK_JAVA_HOME``, Temurin 25, or ``JAVA_HOME``."""
    candidates = [
        os.environ.get(JAVA_HOME_ENV),
        str(DEFAULT_JAVA_HOME),
        os.environ.get("JAVA_HOME"),
    ]
    for candidate in filter(None, candidates):
        home = Path(candidate)
        if (home / "bin" / "java").is_file() and java_version(home) >= JAVA_MIN:
            return home
    raise InfraError(
        f"Keycloak needs Java {JAVA_MIN} or later: install a JDK (e.g. Temurin 25 in "
        f"{DEFAULT_JAVA_HOME}) or set {JAVA_HOME_ENV} to one, and run again"
    )


def java_version(home: Path) -> int:
    """The major version of the JDK in ``home`` (from its ``release`` file), 0 if unknown."""
    release = home / "release"
    if not release.is_file():
        return 0
    for line in release.read_text(errors="replace").splitlines():
        if line.startswith("JAVA_VERSION="):
            major = line.split("=", 1)[1].strip('"').split(".")[0]
            return int(major) if major.isdigit() else 0
    return 0
