"""Login (Authorization Code with PKCE), the desk chosen at login, and logout."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from desk.adapters.oidc import LoginError
from rebub_shared.auth.tokens import InvalidTokenError
from rebub_shared.permissions import Permission

from .web import COOKIE, AnySession, StaffSession, State, go, render, session_of, use_session

log = structlog.get_logger(__name__)
router = APIRouter()


@router.get("/")
async def home(request: Request, desk: State) -> Response:
    session = session_of(request)
    if session is None or not session.logged_in or session.principal is None:
        return render(request, "accueil.html", None)
    if not desk.serves_staff_of(session.principal):
        return go(request, "/reseau")
    return go(request, "/lecteur" if session.desk else "/poste")


@router.get("/connexion")
async def login(request: Request, desk: State) -> Response:
    """Start a login: remember state, nonce and PKCE verifier; send the browser to the provider."""
    session = session_of(request) or await desk.sessions.new()
    use_session(request, session)
    start, address = desk.oidc.start()
    session.login = start
    response = go(request, address)
    response.set_cookie(
        COOKIE,
        session.sid,
        httponly=True,
        samesite="lax",
        secure=desk.settings.secure_cookies,
        path="/",
    )
    return response


@router.get("/connexion/retour")
async def login_return(
    request: Request, desk: State, code: str = "", state: str = "", error: str = ""
) -> Response:
    session = session_of(request)
    if session is None or session.login is None or not code or state != session.login.state:
        reason = "La connexion n'a pas abouti" + (f" ({error})" if error else "")
        return render(request, "accueil.html", None, 400, message=f"{reason} : recommencez.")
    try:
        tokens = await desk.oidc.exchange(code, session.login)
        principal = await desk.verifier.verify(tokens.access_token)
    except (LoginError, InvalidTokenError) as failure:
        log.warning("login refused", error=str(failure))
        return render(
            request, "accueil.html", None, 401, message="La connexion a été refusée : recommencez."
        )
    session.login, session.tokens, session.principal = None, tokens, principal
    session.desk = None
    log.info("logged in", operator=principal.operator, institution=principal.institution)
    if not desk.serves_staff_of(principal):
        return go(request, "/reseau")
    return go(request, "/poste")


@router.get("/poste")
async def choose_desk(request: Request, desk: State, session: StaffSession) -> Response:
    return render(request, "poste.html", session, desks=desk.desks)


@router.post("/poste")
async def desk_chosen(
    request: Request, desk: State, session: StaffSession, poste: Annotated[str, Form()] = ""
) -> Response:
    place = desk.desk(poste)
    if place is None:
        return render(
            request, "poste.html", session, 422, desks=desk.desks, message="Choisissez un poste."
        )
    session.desk, session.desk_name = place.code, place.label
    principal = session.principal
    if principal and not principal.can(Permission.LOANS_CHECKOUT):
        return go(request, "/retours")
    return go(request, "/lecteur")


@router.post("/deconnexion")
async def logout(request: Request, desk: State, session: AnySession) -> Response:
    """Forget the session here and at the provider (the next login asks for the password)."""
    id_token = session.tokens.id_token if session.tokens else None
    await desk.sessions.drop(session.sid)
    use_session(request, None)
    response = go(request, desk.oidc.logout_url(id_token, f"{desk.settings.base_url()}/"))
    response.delete_cookie(COOKIE, path="/")
    return response
