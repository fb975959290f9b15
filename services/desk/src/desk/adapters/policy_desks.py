"""The desks and user groups of an institution, read from its circulation policy
(``{institution}.yaml``). The network team's desk (tenant ``network``) has neither."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rebub_shared.tenancy import NETWORK


@dataclass(frozen=True)
class DeskPlace:
    code: str
    name: str
    library: str
    library_name: str

    @property
    def label(self) -> str:
        return f"{self.library_name} — {self.name}"


def _policy(policies_dir: Path, institution: str) -> dict[str, Any]:
    if institution == NETWORK:
        return {}
    policy: dict[str, Any] = yaml.safe_load((policies_dir / f"{institution}.yaml").read_text())
    return policy


def policy_groups(policies_dir: Path, institution: str) -> dict[str, str]:
    """Each user group's name by its code (``L`` -> ``Étudiant licence (1er cycle)``)."""
    groups = _policy(policies_dir, institution).get("user_groups", [])
    return {str(g["code"]): str(g.get("name", g["code"])) for g in groups}


def policy_desks(policies_dir: Path, institution: str) -> list[DeskPlace]:
    """Every desk of every library of the institution's policy, in the file's order."""
    policy = _policy(policies_dir, institution)
    return [
        DeskPlace(
            code=str(desk["code"]),
            name=str(desk.get("name", desk["code"])),
            library=str(library["code"]),
            library_name=str(library.get("name", library["code"])),
        )
        for library in policy.get("libraries", [])
        for desk in library.get("desks", [])
    ]
