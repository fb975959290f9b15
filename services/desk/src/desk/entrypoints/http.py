"""The desk's app: the screens, the static files (htmx served from here, never a CDN), and the
French answers to everything that goes wrong (never a trace or a JSON body)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date
from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from desk.adapters.apis import Apis
from desk.adapters.mongo_sessions import MongoSessions
from desk.adapters.network_flows import FlowReader
from desk.adapters.network_imports import NetworkImports
from desk.adapters.oidc import OidcClient
from desk.adapters.policy_desks import policy_desks, policy_groups
from desk.adapters.sessions import SessionStore
from desk.domain import import_wording, wording
from desk.settings import DeskSettings
from rebub_shared.auth.jwks import JwksCache
from rebub_shared.auth.tokens import TokenVerifier
from rebub_shared.clock import Clock, SystemClock
from rebub_shared.mongo import database_name, open_mongo

from . import (
    list_routes,
    loan_action_routes,
    login_routes,
    network_routes,
    patron_routes,
    return_routes,
)
from .web import (
    DeskNeeded,
    DeskState,
    LoginNeeded,
    NotAllowed,
    go,
    keep_session,
    render,
    session_of,
)

log = structlog.get_logger(__name__)
PACKAGE = Path(__file__).resolve().parents[1]


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=PACKAGE / "templates")
    found.env.filters["instant"] = lambda text: wording.instant_text(wording.parse_instant(text))
    found.env.filters["day"] = lambda text: wording.day_text(date.fromisoformat(text))
    found.env.globals.update(
        block_sentence=wording.block_sentence,
        next_step_text=wording.next_step_text,
        next_step_class=wording.next_step_class,
        days_late_text=wording.days_late_text,
        renewal_refusal=wording.renewal_refusal,
        request_status=wording.REQUEST_STATUS,
        loan_status=wording.LOAN_STATUS,
        reject_reason=import_wording.reject_reason,
        field_label=import_wording.field_label,
    )
    return found


def build_state(settings: DeskSettings, sessions: SessionStore) -> DeskState:
    auth = settings.auth
    issuer = auth.required_issuer()
    keys = JwksCache(
        auth.keys_url(),
        timeout_s=auth.jwks_timeout_s,
        refresh_min_interval_s=auth.jwks_refresh_min_interval_s,
    )
    secret = settings.client_secret.get_secret_value() if settings.client_secret else None
    return DeskState(
        settings=settings,
        templates=templates(),
        sessions=sessions,
        oidc=OidcClient(
            issuer,
            settings.oidc_client_id(),
            secret,
            f"{settings.base_url()}/connexion/retour",
            settings.api_timeout_s,
        ),
        verifier=TokenVerifier(
            issuer,
            auth.audience,
            keys,
            leeway_s=auth.leeway_s,
            operator_claim=auth.operator_claim,
        ),
        apis=Apis.open(
            (settings.circulation_url, settings.patron_sync_url, settings.notifier_url),
            settings.api_timeout_s,
        ),
        desks=policy_desks(settings.policies_dir, settings.tenant),
        groups=policy_groups(settings.policies_dir, settings.tenant),
        flows=FlowReader(settings.kafka),
        imports=NetworkImports.open(settings.network_patron_sync_url, settings.api_timeout_s),
    )


def create_app(
    settings: DeskSettings, sessions: SessionStore | None = None, clock: Clock | None = None
) -> FastAPI:
    """The desk of ``settings.tenant``; nothing is opened before the lifespan starts. Its
    sessions in the desk's store (expiring by ``clock``, the system's by default), unless
    ``sessions`` is given (unit tests: in memory)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            kept = sessions or await _stored_sessions(settings, clock or SystemClock(), stack)
            state = build_state(settings, kept)
            stack.push_async_callback(state.imports.close)
            stack.push_async_callback(state.apis.close)
            app.state.desk = state
            log.info("desk ready", url=settings.base_url(), desks=len(state.desks))
            yield

    app = FastAPI(
        title=f"rebub desk ({settings.tenant})",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.middleware("http")(keep_session)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    for router in (
        login_routes.router,
        patron_routes.router,
        loan_action_routes.router,
        return_routes.router,
        list_routes.router,
        network_routes.router,
    ):
        app.include_router(router)
    _install_health(app)
    _install_errors(app)
    return app


async def _stored_sessions(
    settings: DeskSettings, clock: Clock, stack: AsyncExitStack
) -> MongoSessions:
    """The sessions in the desk's database, open while ``stack`` is."""
    client = await stack.enter_async_context(open_mongo(settings.mongo))
    db = client[database_name(settings.mongo, settings.tenant, "desk")]
    sessions = MongoSessions(settings.session_idle_s, clock, db)
    await sessions.ensure_indexes()
    return sessions


def _install_health(app: FastAPI) -> None:
    @app.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        started = hasattr(request.app.state, "desk")
        return JSONResponse({"ready": started}, status_code=200 if started else 503)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(LoginNeeded)
    async def login_needed(request: Request, _: Exception) -> Response:
        return go(request, "/connexion")

    @app.exception_handler(DeskNeeded)
    async def desk_needed(request: Request, _: Exception) -> Response:
        return go(request, "/poste")

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, error: Exception) -> Response:
        assert isinstance(error, NotAllowed)
        return _page(request, error.sentence, 403)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, _: Exception) -> Response:
        return _page(request, "Saisie refusée : vérifiez ce que vous avez tapé.", 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 404:
            return _page(request, "Cette page n'existe pas.", 404)
        return _page(request, "Cette demande n'est pas possible ici.", error.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error", path=request.url.path)
        sentence = "Une erreur inattendue s'est produite : réessayez ; si cela persiste, prévenez l'assistance."
        return _page(request, sentence, 500)


def _page(request: Request, sentence: str, status: int) -> Response:
    session = session_of(request)
    if request.headers.get("hx-request"):
        return render(request, "_message.html", session, status, message=sentence)
    return render(request, "erreur.html", session, status, message=sentence)
