"""Renders the kustomize overlays offline with the project's own build of kustomize's library.

``deploy/tools/kustomize`` is a small Go module embedding ``sigs.k8s.io/kustomize/api`` (krusty,
the library behind ``kubectl kustomize``); it is built from the Go module proxy once and cached in
``.rebub/cache/kustomize``, keyed by a hash of its files, like the local FerretDB.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from rebub.infra.paths import InfraPaths, fingerprint
from rebub.infra.server import InfraError, require_tool
from rebub_shared.tenancy import institution_codes

Resource = dict[str, Any]


def overlays() -> tuple[str, ...]:
    """The platform, its monitoring, the network zone's overlay and one per institution."""
    return (
        "platform",
        "monitoring",
        "overlays/network",
        *(f"overlays/{i}" for i in institution_codes()),
    )


def kustomize_binary(paths: InfraPaths | None = None) -> Path:
    """The cached ``kustomize-build`` binary, built when missing or when its module changed."""
    return go_tool("kustomize", "kustomize-build", "to build kustomize", paths)


def go_tool(module: str, name: str, why: str, paths: InfraPaths | None = None) -> Path:
    """The cached binary ``name`` of the Go module ``deploy/tools/<module>``, built from the Go
    module proxy when missing or when the module's files changed."""
    paths = paths or InfraPaths.default()
    folder = paths.root / "deploy" / "tools" / module
    cache = paths.cached(module)
    binary = cache / "bin" / name
    stamp = cache / "prepared.sha256"
    wanted = fingerprint(folder / "go.mod", folder / "go.sum", folder / "main.go")
    if binary.exists() and stamp.exists() and stamp.read_text() == wanted:
        return binary
    go = require_tool("go", why, "Go 1.26 or later, https://go.dev/doc/install")
    result = subprocess.run(
        [go, "build", "-trimpath", "-o", str(binary), "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(f"building {name} failed:\n{result.stderr[-2000:]}")
    stamp.write_text(wanted)
    return binary


def render(k8s: Path, names: tuple[str, ...] | None = None) -> dict[str, list[Resource]]:
    """Each overlay (a path under ``k8s``) and the resources it builds to, in one run."""
    result = subprocess.run(
        [str(kustomize_binary()), *(names or overlays())],
        cwd=k8s,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(f"kustomize build failed: {result.stderr.strip()}")
    rendered: dict[str, list[Resource]] = json.loads(result.stdout)
    return rendered


def of_kind(resources: list[Resource], kind: str) -> list[Resource]:
    """The resources of one kind, in rendering order."""
    return [r for r in resources if r["kind"] == kind]
