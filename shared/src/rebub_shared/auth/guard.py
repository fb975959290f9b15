"""Tokens on every route: the FastAPI side of identity.

``install_auth(app, settings, tenant)`` puts a ``Guard`` on the app (no I/O: the key set is
fetched on the first token) and closes ``/docs``, ``/redoc`` and ``/openapi.json`` unless
``auth.open_docs``. Each route declares the permission it needs with ``requires(permission)``,
which answers the ``Principal``:

- no token, or a bad one: 401 problem with ``WWW-Authenticate: Bearer``;
- a token of another institution: 403 naming both (the network zone's read-only tokens pass on any
  instance; on the network zone, an institution's token keeps only its feed imports);
- a token without the permission: 403 naming the permission.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.params import Security as SecurityParam
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rebub_shared.permissions import Permission, permissions_on
from rebub_shared.problems import Problem
from rebub_shared.tenancy import TenantCode

from .jwks import JwksCache
from .settings import AuthSettings
from .tokens import InvalidTokenError, Principal, TokenVerifier

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An OIDC access token of the institution's identity provider (audience rebub).",
)


def unauthorized(detail: str, *, bad_token: bool) -> Problem:
    """401 with the RFC 6750 challenge (``invalid_token`` when a token was sent)."""
    challenge = 'Bearer realm="rebub"'
    if bad_token:
        quoted = detail.replace("\\", "").replace('"', "'")
        challenge += f', error="invalid_token", error_description="{quoted}"'
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


class Guard:
    """Checks the bearer token of a request for one instance (its tenant)."""

    def __init__(self, verifier: TokenVerifier, tenant: TenantCode) -> None:
        self.verifier = verifier
        self.tenant = tenant

    @classmethod
    def from_settings(
        cls,
        settings: AuthSettings,
        tenant: TenantCode,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Guard:
        """The guard of one instance; ``AuthNotConfiguredError`` without an issuer."""
        keys = JwksCache(
            settings.keys_url(),
            timeout_s=settings.jwks_timeout_s,
            refresh_min_interval_s=settings.jwks_refresh_min_interval_s,
            transport=transport,
        )
        verifier = TokenVerifier(
            settings.required_issuer(),
            settings.audience,
            keys,
            leeway_s=settings.leeway_s,
            operator_claim=settings.operator_claim,
        )
        return cls(verifier, tenant)

    async def authenticate(self, credentials: HTTPAuthorizationCredentials | None) -> Principal:
        """The caller, bound to this instance's tenant (401 or 403 problems otherwise)."""
        if credentials is None:
            raise unauthorized("a bearer access token is required", bad_token=False)
        try:
            principal = await self.verifier.verify(credentials.credentials)
        except InvalidTokenError as error:
            raise unauthorized(f"invalid token: {error}", bad_token=True) from error
        return self.bind(principal)

    def bind(self, principal: Principal) -> Principal:
        """The principal as this instance sees it (403 for another institution's token)."""
        kept = permissions_on(self.tenant, principal.institution, principal.permissions)
        if kept is not None:
            return Principal(principal.operator, principal.institution, principal.roles, kept)
        raise Problem(
            403,
            "Forbidden",
            f"the token acts for institution {principal.institution!r}; this instance serves "
            f"{self.tenant!r}",
            token_institution=principal.institution,
            instance_tenant=self.tenant,
        )


def guard_of(request: Request) -> Guard:
    guard: Guard = request.app.state.guard
    return guard


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


class PermissionCheck:
    """The dependency of a route that needs ``permission`` (read by ``routes_permissions``)."""

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission

    async def __call__(self, request: Request, credentials: Credentials) -> Principal:
        principal = await guard_of(request).authenticate(credentials)
        if self.permission is not None and not principal.can(self.permission):
            raise forbidden(principal, self.permission)
        request.state.principal = principal
        return principal


def forbidden(principal: Principal, permission: Permission) -> Problem:
    """403 naming the permission the caller lacks."""
    return Problem(
        403,
        "Forbidden",
        f"{principal.operator} ({principal.institution}) lacks the permission {permission.value!r}",
        permission=permission.value,
    )


def requires(permission: Permission | None) -> Any:
    """``Annotated[Principal, requires(P.X)]`` or ``dependencies=[requires(P.X)]`` on a route
    (``None``: any valid token of this instance, e.g. for the API documents)."""
    return SecurityParam(PermissionCheck(permission))


def install_auth(
    app: FastAPI,
    settings: AuthSettings,
    tenant: TenantCode,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Guard:
    """Put the guard on ``app`` and close the API documents unless ``open_docs``."""
    guard = Guard.from_settings(settings, tenant, transport)
    app.state.guard = guard
    if not settings.open_docs:
        _close_documents(app)
    return guard


def _close_documents(app: FastAPI) -> None:
    """Serve ``/openapi.json``, ``/docs`` and ``/redoc`` to valid tokens only."""
    paths = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in paths]
    openapi_url = app.openapi_url or "/openapi.json"
    token = [requires(None)]

    def page(render: Callable[[], HTMLResponse]) -> Callable[[], Coroutine[Any, Any, HTMLResponse]]:
        async def serve() -> HTMLResponse:
            return render()

        return serve

    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.add_api_route(openapi_url, openapi, include_in_schema=False, dependencies=token)
    if app.docs_url:
        swagger = page(lambda: get_swagger_ui_html(openapi_url=openapi_url, title=app.title))
        app.add_api_route(app.docs_url, swagger, include_in_schema=False, dependencies=token)
    if app.redoc_url:
        redoc = page(lambda: get_redoc_html(openapi_url=openapi_url, title=app.title))
        app.add_api_route(app.redoc_url, redoc, include_in_schema=False, dependencies=token)
