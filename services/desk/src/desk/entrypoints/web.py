"""What every screen needs: the desk's state, the staff member's session, rendering, redirects.

A page needs a logged-in session (else the browser goes to the login); a desk screen also needs a
desk chosen; a POST needs the session's CSRF token (header ``X-CSRF-Token`` sent by htmx, or a
form field ``csrf``). :func:`keep_session` reads the cookie's session from the store once per
request and writes it back when the request changed it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from desk.adapters.apis import Apis, Caller
from desk.adapters.network_flows import FlowReader
from desk.adapters.network_imports import NetworkImports
from desk.adapters.oidc import LoginError, OidcClient
from desk.adapters.policy_desks import DeskPlace
from desk.adapters.sessions import Session, SessionStore, to_document
from desk.settings import DeskSettings
from rebub_shared.auth.tokens import InvalidTokenError, Principal, TokenVerifier
from rebub_shared.permissions import Permission
from rebub_shared.tenancy import NETWORK

COOKIE = "rebub_desk"


@dataclass
class DeskState:
    """Everything the app holds (built in the lifespan of ``create_app``)."""

    settings: DeskSettings
    templates: Jinja2Templates
    sessions: SessionStore
    oidc: OidcClient
    verifier: TokenVerifier
    apis: Apis
    desks: list[DeskPlace]
    #: The institution's user groups: name by code (the patron's card shows the name).
    groups: dict[str, str]
    flows: FlowReader
    imports: NetworkImports

    def desk(self, code: str | None) -> DeskPlace | None:
        return next((d for d in self.desks if d.code == code), None)

    def serves_staff_of(self, principal: Principal) -> bool:
        """Whether ``principal`` works this desk's screens: the institution's staff (the network
        team's desk, tenant ``network``, has only the network page)."""
        tenant = self.settings.tenant
        return tenant != NETWORK and principal.institution == tenant


class LoginNeeded(Exception):
    """No session, or one whose tokens cannot be refreshed: back to the login."""


class DeskNeeded(Exception):
    """Logged in, no desk chosen yet."""


class NotAllowed(Exception):
    """The staff member's roles do not open this screen (a sentence says why)."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


def state(request: Request) -> DeskState:
    found: DeskState = request.app.state.desk
    return found


State = Annotated[DeskState, Depends(state)]


def session_of(request: Request) -> Session | None:
    """The request's session, as :func:`keep_session` read it (or a route started it)."""
    found: Session | None = getattr(request.state, "session", None)
    return found


def use_session(request: Request, session: Session | None) -> None:
    """``session`` is the request's from now on (a new one, or ``None`` once dropped)."""
    request.state.session = session


#: Paths that never need a session (no read of the store for them).
SESSIONLESS = ("/static/", "/health", "/ready")


async def keep_session(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Read the cookie's session once, run the request, keep what it changed in the session."""
    if request.url.path.startswith(SESSIONLESS):
        return await call_next(request)
    sessions = state(request).sessions
    session = await sessions.get(request.cookies.get(COOKIE))
    use_session(request, session)
    before = None if session is None else to_document(session)
    response = await call_next(request)
    after = session_of(request)
    if after is not None and (after is not session or to_document(after) != before):
        await sessions.save(after)
    return response


async def _logged_in(request: Request) -> Session:
    desk = state(request)
    session = session_of(request)
    if session is None or not session.logged_in or session.tokens is None:
        raise LoginNeeded
    if not session.tokens.fresh():
        try:
            session.tokens = await desk.oidc.refresh(session.tokens)
            session.principal = await desk.verifier.verify(session.tokens.access_token)
        except (LoginError, InvalidTokenError) as error:
            await desk.sessions.drop(session.sid)
            use_session(request, None)
            raise LoginNeeded from error
    if request.method == "POST":
        await _check_csrf(request, session)
    return session


async def _check_csrf(request: Request, session: Session) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if sent != session.csrf:
        raise NotAllowed("La page a expiré : rechargez-la puis recommencez.")


async def staff_session(request: Request) -> Session:
    """A logged-in session of this institution's staff."""
    session = await _logged_in(request)
    principal = session.principal
    assert principal is not None
    if not state(request).serves_staff_of(principal):
        raise NotAllowed("Ce poste est réservé au personnel de l'établissement.")
    return session


async def desk_session(request: Request) -> Session:
    """A staff session with a desk chosen."""
    session = await staff_session(request)
    if session.desk is None:
        raise DeskNeeded
    return session


async def observer_session(request: Request) -> Session:
    session = await _logged_in(request)
    assert session.principal is not None
    if not state(request).settings.network_page:
        raise NotAllowed("La vue du réseau est sur le poste de l'équipe réseau, pas sur celui-ci.")
    if not session.principal.can(Permission.NETWORK_OBSERVE):
        raise NotAllowed("La vue du réseau est réservée à l'équipe réseau.")
    return session


AnySession = Annotated[Session, Depends(_logged_in)]
StaffSession = Annotated[Session, Depends(staff_session)]
DeskSession = Annotated[Session, Depends(desk_session)]
ObserverSession = Annotated[Session, Depends(observer_session)]


def caller(session: Session) -> Caller:
    assert session.tokens is not None
    return Caller(session.tokens.access_token, session.desk, session.desk_session)


def render(
    request: Request, template: str, session: Session | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    desk = state(request)
    principal = session.principal if session else None
    common = {
        "may": _controls(principal),
        "groups": desk.groups,
        "institution": desk.settings.tenant,
        "session": session,
        "principal": principal,
        "place": desk.desk(session.desk) if session else None,
        "can_observe": bool(
            desk.settings.network_page and principal and principal.can(Permission.NETWORK_OBSERVE)
        ),
        "is_staff": bool(principal and desk.serves_staff_of(principal)),
        "csrf": session.csrf if session else "",
    }
    return desk.templates.TemplateResponse(
        request, template, common | context, status_code=status_code
    )


def _controls(principal: Principal | None) -> dict[str, bool]:
    """The manager-only controls the staff member's roles open (the APIs refuse the others
    anyway; a desk operator is not shown what would only be refused)."""

    def can(permission: Permission) -> bool:
        return bool(principal and principal.can(permission))

    return {
        "override": can(Permission.BLOCKS_OVERRIDE),
        "due_date": can(Permission.LOANS_DUE_DATE),
        "lost_found": can(Permission.LOANS_LOST_FOUND),
    }


def go(request: Request, path: str) -> Response:
    """Send the browser to ``path`` (htmx requests follow ``HX-Redirect``)."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": path})
    return RedirectResponse(path, status_code=303)
