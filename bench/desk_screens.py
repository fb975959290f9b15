"""The web desk's own time: its first screen in Chromium, and a scan answered (issue 19's
targets: first screen under 1 s locally, a scan under 100 ms on top of the API's own time).

The desk (``desk.entrypoints.http.create_app``, tenant ``ub``) runs under uvicorn on loopback,
as ``rebub up`` runs it; circulation and patron-sync are replaced by recorded answers given at
once (an ``httpx.MockTransport`` in the desk's own clients), so every millisecond measured is
the desk's (session, CSRF, its HTTP client, Jinja2, the network stack) plus the time spent in the
recorded APIs, which is measured and subtracted. A session is made as the login leaves one
(tokens kept server side; no provider is needed), kept in the desk's store as deployed (the
local store unless ``REBUB_MONGO_URI`` names one; databases of a prefix of their own), or in
memory (``--sessions memory``, the figures before the desk kept them in its store).

- first screen: Debian's Chromium (Playwright, a fresh context each time: no cache, a new
  connection) opens the patron's account (card, blocks, loans tab; htmx and the CSS loaded);
  the Navigation Timing of the page: response end, DOM ready, load.
- a scan: ``POST /lecteur/{id}/pret`` (a check-out line) and ``POST /retours`` (a return line),
  as htmx sends them, one after the other on one connection; the time seen by the client minus
  the recorded APIs' time.

Run: ``uv run python -m bench.desk_screens [--scans 300] [--pages 20] [--sessions store|memory]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright
from pydantic import SecretStr

from bench.measure import percentiles
from bench.servers import local_servers
from desk.adapters.apis import Apis
from desk.adapters.mongo_sessions import MongoSessions
from desk.adapters.oidc import Tokens
from desk.adapters.sessions import MemorySessions, SessionStore
from desk.entrypoints.http import create_app
from desk.entrypoints.web import COOKIE, DeskState
from desk.settings import DeskSettings
from rebub.testing.serving import served
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.auth.tokens import Principal
from rebub_shared.clock import SystemClock
from rebub_shared.mongo import database_name, open_mongo
from rebub_shared.permissions import permissions_of
from rebub_shared.settings import MongoSettings

CHROMIUM = Path(os.environ.get("REBUB_CHROMIUM", "/usr/bin/chromium"))
PATRON = "EXT-UB-000001"
LOAN = {
    "loan_id": "L-1",
    "patron_id": PATRON,
    "item_barcode": "UB100001",
    "title": "Les Misérables",
    "due_at": "2026-12-15T18:00:00Z",
    "renewal_count": 0,
    "status": "active",
}
ANSWERS: dict[tuple[str, str], Any] = {
    ("GET", f"/patrons/{PATRON}"): {
        "account_id": PATRON,
        "record": {
            "last_name": "Lestrade",
            "first_name": "Margaux",
            "user_group": "ETUDIANT",
            "expiry_date": "2027-09-30",
            "source_institution": "ub",
        },
        "additions": {"notes": []},
    },
    ("GET", f"/patrons/{PATRON}/account"): {
        "loans": [LOAN | {"loan_id": f"L-{n}", "title": f"Titre {n}"} for n in range(8)],
        "requests": [],
        "blocks": [],
        "returns": [],
    },
    ("POST", "/loans"): {"loan": LOAN, "overridden_blocks": []},
    ("POST", "/returns"): {
        "loan": LOAN,
        "days_late": 0,
        "next_step": {"kind": "reshelve", "library": "BUST", "location": "BUST-LA"},
        "request_id": None,
        "suspended_until": None,
    },
}


class RecordedApis:
    """The recorded answers, and the time spent giving them (subtracted from the desk's)."""

    def __init__(self) -> None:
        self.spent_s = 0.0

    async def answer(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        body = ANSWERS[(request.method, request.url.path)]
        response = httpx.Response(200, json=body)
        self.spent_s += time.perf_counter() - started
        return response

    def clients(self) -> Apis:
        mock = httpx.MockTransport(self.answer)
        return Apis(
            *(httpx.AsyncClient(transport=mock, base_url=f"http://{name}") for name in "cpn")
        )


def _session(settings: DeskSettings, memory: SessionStore | None) -> tuple[str, str]:
    """A logged-in session at BUST-PRET, as the login leaves it: (cookie, CSRF token), written
    where the desk reads its sessions (its store through a client of its own, or ``memory``)."""

    async def make() -> tuple[str, str]:
        if memory is not None:
            return await _logged_in(memory)
        async with open_mongo(settings.mongo) as client:
            db = client[database_name(settings.mongo, settings.tenant, "desk")]
            return await _logged_in(MongoSessions(settings.session_idle_s, SystemClock(), db))

    return asyncio.run(make())


async def _logged_in(sessions: SessionStore) -> tuple[str, str]:
    session = await sessions.new()
    session.tokens = Tokens("access", "refresh", "id", time.time() + 3600)
    roles = ("desk-operator",)
    session.principal = Principal("ub-desk", "ub", frozenset(roles), permissions_of(roles, "ub"))
    session.desk = "BUST-PRET"
    await sessions.save(session)
    return session.sid, session.csrf


def first_screen(base: str, sid: str, pages: int) -> dict[str, list[float]]:
    """Navigation Timing (ms) of the account opened in a fresh Chromium context each time."""
    timings: dict[str, list[float]] = {"response": [], "dom": [], "load": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        for _ in range(pages + 1):  # the first one warms the desk's templates, not measured
            context = browser.new_context(locale="fr-FR")
            context.add_cookies([{"name": COOKIE, "value": sid, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/lecteur/{PATRON}", wait_until="load")
            entry = page.evaluate(
                """() => { const n = performance.getEntriesByType("navigation")[0];
                return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]; }"""
            )
            context.close()
            for key, value in zip(timings, entry, strict=True):
                timings[key].append(value)
        browser.close()
    return {key: values[1:] for key, values in timings.items()}


def scans(base: str, sid: str, csrf: str, apis: RecordedApis, count: int) -> dict[str, Any]:
    """Client time and the desk's own time (ms) of each kind of scan."""
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    found: dict[str, Any] = {}
    with httpx.Client(base_url=base, cookies={COOKIE: sid}, headers=headers) as client:
        for name, path in (("check-out", f"/lecteur/{PATRON}/pret"), ("return", "/retours")):
            total, own = [], []
            for n in range(count + 10):  # 10 to warm up, not measured
                before = apis.spent_s
                started = time.perf_counter()
                answer = client.post(path, data={"item_barcode": f"UB{n:06d}"})
                elapsed = time.perf_counter() - started
                if answer.status_code != 200 or "erreur" in answer.text:
                    raise SystemExit(f"{path}: {answer.status_code} {answer.text}")
                if n >= 10:
                    total.append(elapsed * 1000)
                    own.append((elapsed - (apis.spent_s - before)) * 1000)
            found[name] = {"client": percentiles(total), "desk": percentiles(own)}
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--sessions", choices=("store", "memory"), default="store")
    args = parser.parse_args(argv)
    mongo = MongoSettings(database_prefix=f"bench{uuid.uuid4().hex[:8]}_")
    if args.sessions == "store" and "REBUB_MONGO_URI" not in os.environ:
        mongo.uri = SecretStr(local_servers().mongo_uri)
    settings = DeskSettings(
        tenant="ub",
        environment="test",
        auth=AuthSettings(issuer="http://idp.invalid/realms/rebub"),
        client_secret="bench",
        mongo=mongo,
    )
    memory = None
    if args.sessions == "memory":
        memory = MemorySessions(settings.session_idle_s, SystemClock())
    app = create_app(settings, memory)
    apis = RecordedApis()
    with served(app) as base:
        state: DeskState = app.state.desk
        asyncio.run(state.apis.close())
        state.apis = apis.clients()
        sid, csrf = _session(settings, memory)
        screen = first_screen(base, sid, args.pages)
        scanned = scans(base, sid, csrf, apis, args.scans)
    report: dict[str, Any] = {
        "load_average": round(os.getloadavg()[0], 1),
        "sessions": args.sessions,
        "first_screen": {key: percentiles(values) for key, values in screen.items()},
        "scans": scanned,
    }
    print(
        f"load average {report['load_average']}, {args.pages} pages, {args.scans} scans each, "
        f"sessions in the {'store' if memory is None else 'memory'}"
    )
    for key, cuts in report["first_screen"].items():
        print(f"first screen {key:8} ms  p50 {cuts['p50']:6.1f}  p95 {cuts['p95']:6.1f}")
    for name, figures in scanned.items():
        for what in ("client", "desk"):
            cuts = figures[what]
            print(
                f"scan {name:9} {what:6} ms  p50 {cuts['p50']:5.2f}  p95 {cuts['p95']:5.2f}  "
                f"p99 {cuts['p99']:5.2f}"
            )
    return report


if __name__ == "__main__":
    main()
