"""The Request aggregate: a hold, a digitisation or an internal processing request on one item.

Its ``task`` is the processing step (filterable on the patron's Requests tab); ``status`` says
whether it is still active. Each change bumps ``version`` and appends a pending event (outbox).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime

from rebub_shared.clock import as_utc, paris_date

from .aggregate import Aggregate
from .errors import CirculationError
from .request_events import (
    RequestCancelled,
    RequestClosed,
    RequestCreated,
    RequestDigitisationDelivered,
    RequestEvent,
    RequestHoldShelfExpired,
    RequestHoldShelfExpiring,
    RequestInTransit,
    RequestPlacedOnHoldShelf,
    RequestRecalled,
)
from .vocabulary import InstitutionCode


class RequestKind(StrEnum):
    """What is requested: the item itself, a digitised copy, or the library's own work on it."""

    HOLD = "hold"
    DIGITISATION = "digitisation"
    INTERNAL_PROCESSING = "internal_processing"


class RequestTask(StrEnum):
    """The processing step of a request (Alma's workflow step)."""

    WAITING_FOR_ITEM = "waiting_for_item"
    PICK_FROM_SHELF = "pick_from_shelf"
    IN_TRANSIT = "in_transit"
    ON_HOLD_SHELF = "on_hold_shelf"
    DIGITISATION = "digitisation"
    INTERNAL_PROCESSING = "internal_processing"
    DONE = "done"


class RequestStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    EXPIRED = "expired"  # not collected from the hold shelf in time


class RequestStateError(CirculationError):
    """The request change is not allowed in its current status or task."""


class RequestDeliveryError(CirculationError):
    """A digitisation's delivery that cannot reach the requester (its link already expired)."""

    field = "available_until"


class Request(Aggregate[RequestEvent]):
    """A request. Build it with ``Request.place``, then call its actions."""

    request_id: str
    institution: InstitutionCode
    kind: RequestKind
    patron_id: str | None
    item_barcode: str
    title: str
    pickup_library: str
    placed_at: AwareDatetime
    task: RequestTask
    status: RequestStatus = RequestStatus.ACTIVE
    hold_shelf_expiry: date | None = None
    recalled_loan_id: str | None = None
    operator: str | None = None
    expiry_announced: bool = False

    @classmethod
    def place(cls, *, task: RequestTask, now: datetime, **fields: Any) -> Request:
        """A new active request at ``now`` in its first task. Records RequestCreated."""
        request = cls(task=task, placed_at=as_utc("now", now), **fields)
        request._record(RequestCreated, now)
        return request

    @property
    def is_active(self) -> bool:
        return self.status is RequestStatus.ACTIVE

    @property
    def is_waiting_hold(self) -> bool:
        """An active hold whose item has not reached the hold shelf yet."""
        waiting = {
            RequestTask.WAITING_FOR_ITEM,
            RequestTask.PICK_FROM_SHELF,
            RequestTask.IN_TRANSIT,
        }
        return self.is_active and self.kind is RequestKind.HOLD and self.task in waiting

    def record_recall(self, *, loan_id: str, due_at: datetime, now: datetime) -> None:
        """This request recalled ``loan_id`` (now due at ``due_at``). Records RequestRecalled."""
        self.recalled_loan_id = loan_id
        self._record(RequestRecalled, now, loan_id=loan_id, due_at=as_utc("due_at", due_at))

    def send_in_transit(self, *, now: datetime) -> None:
        """The item leaves for the pickup library."""
        self._check(self.is_waiting_hold, "send in transit")
        self.task = RequestTask.IN_TRANSIT
        self._record(RequestInTransit, now)

    def place_on_hold_shelf(self, *, now: datetime, shelf_days: int) -> date:
        """The item waits on the hold shelf ``shelf_days`` Paris days after today: placed on
        1 March 2027 with 7 days, its last day is 8 March and the pass of the 9th expires it."""
        self._check(self.is_waiting_hold, "place on hold shelf")
        self.task = RequestTask.ON_HOLD_SHELF
        self.hold_shelf_expiry = paris_date(now) + timedelta(days=shelf_days)
        self.expiry_announced = False
        self._record(RequestPlacedOnHoldShelf, now, hold_shelf_expiry=self.hold_shelf_expiry)
        return self.hold_shelf_expiry

    def shelf_expired_on(self, day: date) -> bool:
        """True if the hold is on the hold shelf and ``day`` is after its last day there."""
        on_shelf = self.is_active and self.task is RequestTask.ON_HOLD_SHELF
        return on_shelf and self.hold_shelf_expiry is not None and self.hold_shelf_expiry < day

    def announce_expiry(self, *, now: datetime, notice_days: int) -> bool:
        """On the hold shelf, ``notice_days`` (or fewer) days before its last day: record
        RequestHoldShelfExpiring once (True if recorded now). ``notice_days=0``: never."""
        today = paris_date(now)
        on_shelf = self.is_active and self.task is RequestTask.ON_HOLD_SHELF
        expiry = self.hold_shelf_expiry
        if notice_days == 0 or not on_shelf or expiry is None or self.expiry_announced:
            return False
        if not expiry - timedelta(days=notice_days) <= today <= expiry:
            return False
        self.expiry_announced = True
        self._record(RequestHoldShelfExpiring, now, hold_shelf_expiry=expiry)
        return True

    def expire(self, *, now: datetime) -> None:
        """Not collected in time: the hold ends. Records RequestHoldShelfExpired."""
        self._check(self.shelf_expired_on(paris_date(now)), "expire")
        assert self.hold_shelf_expiry is not None
        self.status, self.task = RequestStatus.EXPIRED, RequestTask.DONE
        self._record(RequestHoldShelfExpired, now, hold_shelf_expiry=self.hold_shelf_expiry)

    def cancel(self, *, now: datetime, reason: str) -> None:
        """Cancel an active request. Records RequestCancelled."""
        self._check(self.is_active, "cancel")
        self.status, self.task = RequestStatus.CANCELLED, RequestTask.DONE
        self._record(RequestCancelled, now, reason=reason)

    def fulfil(self, *, now: datetime) -> None:
        """The requester borrowed the item from the hold shelf. Records RequestClosed."""
        self._check(self.task is RequestTask.ON_HOLD_SHELF and self.is_active, "fulfil")
        self._close(now, "fulfilled")

    def complete(self, *, now: datetime) -> None:
        """The digitisation or internal processing is finished. Records RequestClosed."""
        self._check(self.is_active and self.kind is not RequestKind.HOLD, "complete")
        self._close(now, "completed")

    def deliver(self, *, now: datetime, document_url: str, available_until: date | None) -> None:
        """The digitised copy is at ``document_url``: records RequestDigitisationDelivered (the
        requester's notice) and closes the request (RequestClosed, completed). A link that
        stops working before today is refused: delivered on 10 March 2027, ``available_until``
        may be the 10th, not the 9th."""
        self._check(self.is_active and self.kind is RequestKind.DIGITISATION, "deliver")
        today = paris_date(now)
        if available_until is not None and available_until < today:
            raise RequestDeliveryError(
                f"available_until={available_until.isoformat()!r}: before today ({today})"
            )
        self._record(
            RequestDigitisationDelivered,
            now,
            document_url=document_url,
            available_until=available_until,
        )
        self._close(now, "completed")

    def _close(self, now: datetime, reason: str) -> None:
        self.status, self.task = RequestStatus.CLOSED, RequestTask.DONE
        self._record(RequestClosed, now, reason=reason)

    def _check(self, allowed: bool, action: str) -> None:
        if not allowed:
            raise RequestStateError(
                f"request {self.request_id}: cannot {action} when kind={self.kind.value!r}, "
                f"status={self.status.value!r}, task={self.task.value!r}"
            )

    @property
    def aggregate_id(self) -> str:
        return self.request_id

    def _event_fields(self) -> dict[str, Any]:
        return {
            "institution": self.institution,
            "request_id": self.request_id,
            "patron_id": self.patron_id,
            "item_barcode": self.item_barcode,
            "request_version": self.version,
        }
