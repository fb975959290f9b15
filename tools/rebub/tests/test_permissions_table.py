"""The committed role x endpoint table is what the code generates, and no route is left open."""

from __future__ import annotations

from pathlib import Path

from rebub.infra.paths import project_root
from rebub.permissions_table import ANY_TOKEN, OPEN, endpoints, render, write_table


def test_committed_table_equals_what_the_code_generates(tmp_path: Path) -> None:
    generated = write_table(tmp_path / "permissions.md")
    committed = project_root() / "docs" / "permissions.md"
    assert committed.read_text() == generated.read_text(), (
        "docs/permissions.md is stale: run `uv run rebub permissions`"
    )


def test_only_health_and_readiness_are_open_and_documents_need_a_token() -> None:
    rows = endpoints()
    assert {r.path for r in rows if r.needs == OPEN} == {"/health", "/ready"}
    assert {r.path for r in rows if r.needs == ANY_TOKEN} == {"/docs", "/redoc", "/openapi.json"}
    services = {r.service for r in rows}
    assert services == {
        "circulation",
        "notifier",
        "patron-sync (institution)",
        "patron-sync (network zone)",
    }
    dev = {(r.service, r.path) for r in rows if r.path.startswith("/_dev")}
    assert ("circulation", "/_dev/jobs/retention") in dev
    assert all(r.needs == "dev:operate" for r in rows if r.path.startswith("/_dev"))


def test_the_privileged_actions_need_a_manager() -> None:
    table = render(endpoints())
    for line in (
        "| circulation | DELETE | `/loans/{loan_id}` | loans:delete |  | yes |",
        "| circulation | PUT | `/loans/{loan_id}/due-date` | loans:due-date |  | yes |",
        "| patron-sync (network zone) | POST | `/imports` | imports:run |  |  |  | yes |",
    ):
        assert line in table
