"""Who calls the desk API from where: the operator is the access token's subject (never a header
or a body field); the desk is a request fact (``X-Desk`` header, or ``desk`` in the body),
checked against the institution's policy.

An unknown or missing desk is a 422 problem naming the field it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from pydantic import StringConstraints

from circulation.domain.vocabulary import InstitutionCode
from circulation.service_layer.context import Context
from circulation.service_layer.errors import UnknownDeskError
from circulation.service_layer.messagebus import MessageBus
from rebub_shared import bounds
from rebub_shared.auth.tokens import Principal
from rebub_shared.http import Problem

from .http_bodies import DeskFields


def get_bus(request: Request) -> MessageBus:
    """The app's message bus (wired in ``create_app``)."""
    bus: MessageBus = request.app.state.bus
    return bus


@dataclass(frozen=True)
class DeskHeaders:
    desk: str | None
    session: str | None


#: A header as sent: checked against its field's type once chosen (an empty one names the header).
HeaderValue = Annotated[str, StringConstraints(max_length=64, pattern=bounds.ONE_LINE)]


def desk_headers(
    x_desk: Annotated[HeaderValue | None, Header(description="Circulation desk code.")] = None,
    x_desk_session: Annotated[HeaderValue | None, Header(description="Desk session id.")] = None,
) -> DeskHeaders:
    return DeskHeaders(x_desk, x_desk_session)


Headers = Annotated[DeskHeaders, Depends(desk_headers)]
Bus = Annotated[MessageBus, Depends(get_bus)]


@dataclass(frozen=True)
class Caller:
    institution: InstitutionCode
    desk: str | None
    operator: str

    def fields(self) -> dict[str, Any]:
        """The fields every desk command starts with."""
        return {"institution": self.institution, "desk": self.desk, "operator": self.operator}


def identify(
    ctx: Context,
    headers: DeskHeaders,
    principal: Principal,
    body: DeskFields | None = None,
    *,
    desk_required: bool = True,
) -> Caller:
    """The desk (checked against the institution's policy) and the operator (the token's)."""
    from_header = headers.desk is not None
    desk = headers.desk if from_header else (body.desk if body else None)
    field = "X-Desk" if from_header or body is None else "desk"
    if desk is None and not desk_required:
        return Caller(ctx.institution, None, principal.operator)
    try:
        ctx.desk_library(desk)
    except UnknownDeskError as error:
        raise Problem(
            422,
            "Unknown desk",
            f"{field}={desk!r}: not a circulation desk of {ctx.institution}",
            field=field,
            value=desk,
        ) from error
    return Caller(ctx.institution, desk, principal.operator)
