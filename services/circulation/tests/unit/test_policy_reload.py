"""A calendar changed in the policies directory (a ConfigMap in production) is put in force
without a restart; a broken file is refused and the version in force stays."""

import shutil
from datetime import date
from pathlib import Path

from circulation.adapters.policy_files import PolicyWatcher
from circulation.domain import LibraryCalendar, load_institution_policy
from circulation.domain.policies import DEFAULT_POLICIES_DIR
from circulation.service_layer.context import CurrentPolicy

WORKS = "  - {date: 2029-06-15, reason: Travaux}\n"


def _watched(tmp_path: Path) -> tuple[CurrentPolicy, PolicyWatcher, Path]:
    path = tmp_path / "ub.yaml"
    shutil.copy(DEFAULT_POLICIES_DIR / "ub.yaml", path)
    current = CurrentPolicy(load_institution_policy("ub", tmp_path))
    return current, PolicyWatcher(current, tmp_path), path


def _closed(current: CurrentPolicy, day: date) -> str | None:
    return LibraryCalendar.of(current.value, "DEG").closed_reason(day)


async def test_an_added_closure_is_in_force_after_the_next_check(tmp_path: Path) -> None:
    current, watcher, path = _watched(tmp_path)
    assert not await watcher.check()  # unchanged
    assert _closed(current, date(2029, 6, 15)) is None  # a Friday
    path.write_text(
        path.read_text().replace(
            "yearly_closures:\n", f"closed_days:\n{WORKS}yearly_closures:\n", 1
        )
    )
    assert await watcher.check()
    assert _closed(current, date(2029, 6, 15)) == "Travaux"


async def test_a_broken_file_is_refused_and_the_policy_in_force_stays(tmp_path: Path) -> None:
    current, watcher, path = _watched(tmp_path)
    before = current.value
    path.write_text(path.read_text().replace('from: "12-24"', 'from: "24-12"', 1))
    assert not await watcher.check()
    assert current.value is before
    assert _closed(current, date(2029, 12, 24)) == "Fermeture de Noël"
