"""The desks of an institution, read from its circulation policy (``{institution}.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class DeskPlace:
    code: str
    name: str
    library: str
    library_name: str

    @property
    def label(self) -> str:
        return f"{self.library_name} — {self.name}"


def policy_desks(policies_dir: Path, institution: str) -> list[DeskPlace]:
    """Every desk of every library of the institution's policy, in the file's order."""
    policy: dict[str, Any] = yaml.safe_load((policies_dir / f"{institution}.yaml").read_text())
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
