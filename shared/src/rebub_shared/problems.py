"""RFC 9457 problem details: the one shape of every HTTP error of the services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An error answered as RFC 9457 problem details; ``field`` and ``value`` name the bad input."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        field: str | None = None,
        value: Any = None,
        kind: str = "about:blank",
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.kind = status, title, detail, kind
        self.headers = dict(headers or {})
        self.extensions = extensions
        if field is not None:
            self.extensions["errors"] = [{"field": field, "value": value, "message": detail}]


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    body = {
        "type": problem.kind,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
        **problem.extensions,
    }
    return JSONResponse(
        body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )
