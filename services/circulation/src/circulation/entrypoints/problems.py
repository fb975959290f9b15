"""Named errors to HTTP statuses (RFC 9457 problem details through ``rebub_shared.http``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from circulation.domain import errors as domain
from circulation.domain.request_queue import RequestRefusedError
from circulation.domain.requests import RequestStateError
from circulation.domain.webhooks import UnknownWebhookEventError
from circulation.service_layer import errors as service
from circulation.service_layer.webhooks import ChallengeFailedError, UnknownSubscriptionError
from rebub_shared.bounds import ITEMS_BODY_MAX_BYTES
from rebub_shared.http import BodyLimit, Problem, problem_response

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
    UnknownSubscriptionError: 404,
    ChallengeFailedError: 422,
    UnknownWebhookEventError: 422,
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


#: Routes with a body limit of their own (the items upload).
BODY_LIMITS = {"/items": BodyLimit(ITEMS_BODY_MAX_BYTES)}


async def on_blocked(request: Request, error: Exception) -> Response:
    """A refused checkout or renewal names its blocks."""
    assert isinstance(error, domain.CheckoutBlockedError | domain.RenewalBlockedError)
    blocks = [block.model_dump(mode="json") for block in error.blocks]
    title = (
        "Checkout blocked" if isinstance(error, domain.CheckoutBlockedError) else "Renewal blocked"
    )
    return problem_response(request, Problem(409, title, str(error), blocks=blocks))


async def on_named_field(request: Request, error: Exception) -> Response:
    """A domain error whose field is known by its type."""
    field = FIELDS[type(error)]
    title = type(error).__name__.removesuffix("Error")
    return problem_response(request, Problem(422, title, str(error), field=field))


#: The problem handlers beyond the statuses (installed by the app host).
BLOCKED: tuple[type[Exception], ...] = (domain.CheckoutBlockedError, domain.RenewalBlockedError)
HANDLERS = dict.fromkeys(BLOCKED, on_blocked) | dict.fromkeys(FIELDS, on_named_field)
