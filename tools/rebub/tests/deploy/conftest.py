"""Renders every overlay once per session (kustomize built from the project's Go module, cached)."""

from __future__ import annotations

import pytest

from rebub.deploy.render import Resource, render
from rebub.deploy.schemas import Schema, crd_schemas
from rebub.infra.paths import project_root

ROOT = project_root()
K8S = ROOT / "deploy" / "k8s"


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Resource]]:
    return render(K8S)


@pytest.fixture(scope="session")
def crds() -> dict[tuple[str, str], Schema]:
    return crd_schemas(ROOT / "deploy" / "schemas")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test of the rendered overlays needs Go (kustomize is built from the project's module):
    it is not a unit test."""
    for item in items:
        if {"rendered", "crds"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.toolchain)
