"""The layer contracts (`.importlinter`, run by `make lint`) hold, and fail on a planted breach.

Each case copies the workspace's packages into a temporary folder, plants one module that
breaks one rule, and runs `lint-imports` on the copy (found first on `PYTHONPATH`): the check
must fail and name the planted import. The unplanted copy must pass, so a failure is the
plant's and not the copy's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rebub.infra.paths import project_root

ROOT = project_root()
PACKAGES = {
    "rebub_shared": ROOT / "shared" / "src" / "rebub_shared",
    "rebub": ROOT / "tools" / "rebub" / "src" / "rebub",
    "patron_sync": ROOT / "services" / "patron-sync" / "src" / "patron_sync",
    "circulation": ROOT / "services" / "circulation" / "src" / "circulation",
    "notifier": ROOT / "services" / "notifier" / "src" / "notifier",
    "bench": ROOT / "bench",
}
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.fixture
def workspace_copy(tmp_path: Path) -> Path:
    for name, source in PACKAGES.items():
        shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def _lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", ".importlinter", "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_copy_keeps_every_contract(workspace_copy: Path) -> None:
    result = _lint_imports(workspace_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("planted", "source", "imported"),
    [
        ("circulation/domain/planted.py", "circulation.domain.planted", "circulation.adapters"),
        ("patron_sync/service_layer/planted.py", "patron_sync.service_layer.planted",
         "patron_sync.entrypoints"),
        ("notifier/adapters/planted.py", "notifier.adapters.planted", "circulation.domain"),
        ("rebub_shared/planted.py", "rebub_shared.planted", "patron_sync.domain"),
        ("circulation/planted.py", "circulation.planted", "rebub.demo"),
        ("notifier/domain/planted.py", "notifier.domain.planted", "pymongo"),
        ("circulation/planted.py", "circulation.planted", "testcontainers"),
        ("rebub/infra/planted.py", "rebub.infra.planted", "kafka"),
    ],
)  # fmt: skip
def test_a_planted_breach_fails_the_check(
    workspace_copy: Path, planted: str, source: str, imported: str
) -> None:
    (workspace_copy / planted).write_text(f'"""A planted breach."""\n\nimport {imported}\n')
    result = _lint_imports(workspace_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert f"{source} -> {imported}" in result.stdout
