"""The error contract in each app's OpenAPI document: the ``Problem`` schema and the problem
answers every operation may give (shared responses, so clients and fuzzers know them all)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from rebub_shared.problems import PROBLEM_JSON


class FieldError(BaseModel):
    """One refused field: where it came from, its value (clipped), why."""

    field: str
    value: Any = Field(description="The offending value, at most a few hundred characters.")
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details; ``errors`` names each refused field."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


#: Every problem an operation may answer, and when.
PROBLEM_STATUSES: dict[int, str] = {
    400: "Malformed body (not JSON) or a bad header",
    404: "Unknown route or resource",
    405: "Method not allowed on this route (see `Allow`)",
    409: "Conflicts with the current state",
    413: "Body larger than the route's limit",
    415: "Body of the wrong media type",
    422: "Invalid input: each refused field named with its (clipped) value",
    500: "Unexpected error (logged; no internals in the answer)",
    503: "Store or broker unavailable: retry after `Retry-After` seconds",
}
#: What an operation that needs a token (one with ``security``) may answer besides.
AUTH_STATUSES: dict[int, str] = {
    401: "No bearer token, or one that is invalid or expired",
    403: "The token lacks the operation's permission, or is of another institution",
}
#: Marks an operation's own answer for a status (e.g. ``/ready``'s 503), kept as documented.
NOT_A_PROBLEM = "x-not-a-problem"
_HEADERS = {
    405: {"Allow": {"description": "The methods of this route.", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}},
}


def _problem_answer(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": (PROBLEM_STATUSES | AUTH_STATUSES)[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in _HEADERS:
        answer["headers"] = _HEADERS[status]
    return answer


def document_problems(app: FastAPI) -> None:
    """Add the problem answers to every operation of ``app``'s OpenAPI document (FastAPI's own
    422 schema is replaced: the app never answers it); answers marked ``NOT_A_PROBLEM`` stay."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                statuses = [
                    *PROBLEM_STATUSES,
                    *(AUTH_STATUSES if operation.get("security") else ()),
                ]
                for status in statuses:
                    if not responses.get(str(status), {}).get(NOT_A_PROBLEM):
                        responses[str(status)] = _problem_answer(status)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
