"""The local provider's preparation without a server: the JDK it picks, the zip it unpacks."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from rebub.infra import keycloak
from rebub.infra.keycloak import java_home, java_version, unpack
from rebub.infra.server import InfraError


def _jdk(folder: Path, version: str) -> Path:
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "java").write_text("#!/bin/sh\n")
    (folder / "release").write_text(f'IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="{version}"\n')
    return folder


def test_the_jdk_is_the_one_named_when_it_is_21_or_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keycloak, "DEFAULT_JAVA_HOME", tmp_path / "absent")
    monkeypatch.setenv("REBUB_KEYCLOAK_JAVA_HOME", str(_jdk(tmp_path / "jdk25", "25.0.1")))
    monkeypatch.setenv("JAVA_HOME", str(_jdk(tmp_path / "jdk21", "21.0.5")))

    assert java_home() == tmp_path / "jdk25"
    assert java_version(tmp_path / "jdk21") == 21


def test_a_java_17_alone_is_refused_in_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keycloak, "DEFAULT_JAVA_HOME", tmp_path / "absent")
    monkeypatch.delenv("REBUB_KEYCLOAK_JAVA_HOME", raising=False)
    monkeypatch.setenv("JAVA_HOME", str(_jdk(tmp_path / "jdk17", "17.0.13")))

    with pytest.raises(
        InfraError, match=r"Keycloak needs Java 21 or later.*REBUB_KEYCLOAK_JAVA_HOME"
    ):
        java_home()


def test_the_distribution_is_unpacked_without_its_top_folder_keeping_scripts_executable(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        script = zipfile.ZipInfo("keycloak-26.5.6/bin/kc.sh")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        zipped.writestr(script, "#!/bin/sh\n")
        zipped.writestr("keycloak-26.5.6/conf/keycloak.conf", "# empty\n")

    unpack(archive, tmp_path / "dist")

    assert (tmp_path / "dist" / "bin" / "kc.sh").stat().st_mode & stat.S_IXUSR
    assert not (tmp_path / "dist" / "conf" / "keycloak.conf").stat().st_mode & stat.S_IXUSR
