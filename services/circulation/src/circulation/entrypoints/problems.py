"""Named errors to HTTP statuses (RFC 9457 problem details through ``rebub_shared.http``)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from circulation.domain import errors as domain
from circulation.domain.request_queue import RequestRefusedError
from circulation.domain.requests import RequestStateError
from circulation.service_layer import errors as service
from rebub_shared.bounds import ITEMS_BODY_MAX_BYTES
from rebub_shared.http import BodyLimit, Problem, install_error_contract, problem_response

STATUSES: dict[type[Exception], int] = {
    service.UnknownItemError: 404,
    service.UnknownPatronError: 404,
    service.LoanNotFoundError: 404,
    service.ItemOnLoanError: 409,
    service.ItemNotOnLoanError: 409,
    service.PatronAccountClosedError: 409,
    service.ConcurrentUpdateError: 409,
    service.RequestNotFoundError: 404,
    RequestRefusedError: 409,
    RequestStateError: 409,
    domain.LoanStatusError: 409,
    domain.LoanNotRenewableError: 409,
    domain.BlockNotOverridableError: 409,
    domain.CirculationError: 422,  # every other named error is bad input (field in the text)
}
# Domain errors whose message names the field but which carry no ``field`` attribute.
FIELDS: dict[type[Exception], str] = {
    domain.DueDateInPastError: "due_at",
    domain.DueDateTooFarError: "due_at",
    domain.ReturnInFutureError: "returned_at",
    domain.ReturnBeforeLoanError: "returned_at",
    domain.OverrideIncompleteError: "override",
}


def install(app: FastAPI) -> None:
    """Every error of the service answered as problem details."""
    install_error_contract(app, STATUSES, routes={"/items": BodyLimit(ITEMS_BODY_MAX_BYTES)})

    async def on_blocked(request: Request, error: Exception) -> Response:
        assert isinstance(error, domain.CheckoutBlockedError)
        blocks = [block.model_dump(mode="json") for block in error.blocks]
        return problem_response(
            request, Problem(409, "Checkout blocked", str(error), blocks=blocks)
        )

    async def on_named_field(request: Request, error: Exception) -> Response:
        field = FIELDS[type(error)]
        title = type(error).__name__.removesuffix("Error")
        return problem_response(request, Problem(422, title, str(error), field=field))

    app.add_exception_handler(domain.CheckoutBlockedError, on_blocked)
    for error_type in FIELDS:
        app.add_exception_handler(error_type, on_named_field)
