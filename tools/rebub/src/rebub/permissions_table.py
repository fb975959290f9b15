"""``docs/permissions.md``: the role x endpoint table, generated from the apps' own routes (the
permission each declares through ``requires``) and the permission data
(``rebub_shared.permissions``). ``rebub permissions`` writes it; a drift test compares.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from rebub_shared.auth.guard import PermissionCheck
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.permissions import ROLE_PERMISSIONS, ROLES, Permission, permissions_on

#: Any issuer will do: building an app fetches nothing.
_ISSUER = "http://127.0.0.1:8180/realms/rebub"
OPEN = "open"
ANY_TOKEN = "any valid token"  # noqa: S105 (a label, not a secret)


@dataclass(frozen=True)
class Endpoint:
    """One route of one service's instance kind, and the permission it needs."""

    service: str  # "circulation", "patron-sync (institution)", ...
    tenant: str  # the example tenant the app was built for ("ub" or "network")
    method: str
    path: str
    permission: Permission | None  # None: open (health, readiness) or ANY_TOKEN (``needs``)
    needs: str  # the permission's name, OPEN or ANY_TOKEN

    def allowed(self, role: str, role_institution: str) -> bool:
        """Whether a token of ``role_institution`` holding only ``role`` may call it."""
        if self.needs == OPEN:
            return True
        held = permissions_on(self.tenant, role_institution, ROLE_PERMISSIONS[role])
        if held is None:
            return False
        return self.permission is None or self.permission in held


def _apps() -> Iterator[tuple[str, str, FastAPI]]:
    from circulation.entrypoints.http import create_app as circulation_app
    from circulation.settings import CirculationSettings
    from notifier.entrypoints.http import create_app as notifier_app
    from notifier.settings import NotifierSettings
    from patron_sync.entrypoints.http import create_app as patron_sync_app
    from patron_sync.settings import PatronSyncSettings

    auth = AuthSettings(issuer=_ISSUER)
    common: dict[str, Any] = {"environment": "development", "auth": auth}
    yield "circulation", "ub", circulation_app(CirculationSettings(tenant="ub", **common))
    yield "notifier", "ub", notifier_app(NotifierSettings(tenant="ub", **common))
    yield (
        "patron-sync (institution)",
        "ub",
        patron_sync_app(PatronSyncSettings(tenant="ub", **common)),
    )
    yield (
        "patron-sync (network zone)",
        "network",
        patron_sync_app(PatronSyncSettings(tenant="network", **common)),
    )


def _checks(dependant: Dependant) -> list[PermissionCheck]:
    found: list[PermissionCheck] = []
    stack = [dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, PermissionCheck):
            found.append(dependant.call)
        stack.extend(dependant.dependencies)
    return found


def endpoints() -> list[Endpoint]:
    """Every route of every service, with what it needs (documents included, ``/_dev`` too)."""
    rows: list[Endpoint] = []
    for service, tenant, app in _apps():
        # Included routers are resolved lazily by FastAPI: walk their effective routes.
        for route in iter_route_contexts(app.routes):
            dependant = getattr(route, "dependant", None)
            if not isinstance(dependant, Dependant) or route.path is None:
                continue  # not an API route (none are mounted today)
            checks = _checks(dependant)
            if len(checks) > 1:
                raise ValueError(f"{service} {route.path}: more than one permission declared")
            permission = checks[0].permission if checks else None
            needs = permission.value if permission else (ANY_TOKEN if checks else OPEN)
            for method in sorted((route.methods or set()) - {"HEAD"}):
                rows.append(Endpoint(service, tenant, method, route.path, permission, needs))
    return rows


def render(rows: list[Endpoint]) -> str:
    """The markdown table: one row per endpoint, one column per role."""
    lines = [
        "# Who may call what (generated: `uv run rebub permissions`; do not edit)",
        "",
        "Every endpoint needs an OIDC access token (``Authorization: Bearer``) except `/health`",
        "and `/ready`. A token acts for one institution: an instance refuses another",
        "institution's token (403), except `institution=network` tokens, which only observe.",
        "On the network zone's patron-sync, an institution's token keeps only its feed imports",
        "(for `source` = its institution), its own audit records and the development clock.",
        "`/docs`, `/redoc` and `/openapi.json` need any valid token and `/metrics`",
        "`network:observe`, unless `auth.open_docs` / `auth.open_metrics`.",
        "`/_dev/*` routes exist outside production only.",
        "",
        "Two routes check a second permission on what the request asks: `POST /loans` with an",
        "`override` needs `blocks:override`; `POST /imports` with `force=true` needs",
        "`imports:force`, and its `source` must be the token's institution.",
        "Permissions and roles: `shared/src/rebub_shared/permissions.py`.",
        "",
        "## Roles",
        "",
        "| role | permissions |",
        "|---|---|",
    ]
    for role in ROLES:
        granted = ", ".join(f"`{p.value}`" for p in sorted(ROLE_PERMISSIONS[role])) or "(none yet)"
        lines.append(f"| {role} | {granted} |")
    lines += [
        "",
        "## Endpoints",
        "",
        "Columns: a token holding only that role, of the instance's institution (the network",
        "observer's institution is `network`). `yes`: allowed; blank: 403.",
        "",
        "| service | method | path | needs | " + " | ".join(ROLES) + " |",
        "|---|---|---|---|" + "---|" * len(ROLES),
    ]
    for row in sorted(rows, key=lambda r: (r.service, r.path, r.method)):
        cells = [
            "yes" if row.allowed(role, _institution_of(role, row.tenant)) else "" for role in ROLES
        ]
        lines.append(
            f"| {row.service} | {row.method} | `{row.path}` | {row.needs} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines) + "\n"


def _institution_of(role: str, tenant: str) -> str:
    """The institution of the example token of ``role`` (``ub`` on the network zone too)."""
    if role == "network-observer":
        return "network"
    return "ub" if tenant == "network" else tenant


def write_table(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(endpoints()), encoding="utf-8")
    return path
