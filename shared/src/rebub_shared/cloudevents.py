"""CloudEvents 1.0 in Kafka binary mode, with typed pydantic payloads.

Binary mode puts the context attributes in ``ce_*`` headers and the JSON data in the record value
(CloudEvents Kafka protocol binding, section 3.2). ``tenant``, ``correlationid`` (the HTTP request
or record that caused the event, :mod:`rebub_shared.correlation`) and ``almaevent`` (the Alma
webhook code of a loan event, when Alma has one) are extension attributes. The SDK's Kafka binding works on its own untyped event class with byte headers; rebub
needs typed payloads and FastStream's ``dict[str, str]`` headers, and the mapping is a handful of
headers, so it is written here once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from rebub_shared import correlation
from rebub_shared.clock import Clock
from rebub_shared.tenancy import TenantCode, check_tenant

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
_ATTRIBUTES = ("id", "source", "type", "time", "subject", "tenant", "correlationid", "almaevent")


class InvalidEventError(ValueError):
    """A Kafka record that is not a valid rebub CloudEvent; the message names the field and value."""


class EventPayload(BaseModel):
    """Base of every event's data. Subclasses set ``event_type`` (reverse-DNS, past tense)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]
    #: The code of Alma's webhook this event corresponds to, if any (header ``ce_almaevent``).
    alma_event: ClassVar[str | None] = None

    def issuer(self) -> str | None:
        """The tenant this data says wrote it (an institution field), if it names one: it must
        be the event's ``ce_tenant`` (see ``EventRegistry.decode``)."""
        return None


P = TypeVar("P", bound=EventPayload)


class Envelope(BaseModel):
    """The CloudEvents context attributes of one event."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: AwareDatetime  # an instant: a naive ce_time is refused when decoded
    subject: str = Field(min_length=1)
    tenant: TenantCode
    correlationid: str | None = None
    almaevent: str | None = None
    specversion: str = SPEC_VERSION

    def headers(self) -> dict[str, str]:
        """The Kafka headers of binary mode."""
        out = {
            "ce_specversion": self.specversion,
            "content-type": CONTENT_TYPE,
            "ce_id": self.id,
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "ce_tenant": self.tenant,
        }
        if self.correlationid:
            out["ce_correlationid"] = self.correlationid
        if self.almaevent:
            out["ce_almaevent"] = self.almaevent
        return out


class Event(BaseModel, Generic[P]):
    """An envelope and its typed data."""

    model_config = ConfigDict(frozen=True)

    envelope: Envelope
    data: P


def new_event(
    data: P,
    *,
    source: str,
    tenant: TenantCode,
    subject: str,
    clock: Clock,
    event_id: str | None = None,
    correlation_id: str | None = None,
) -> Event[P]:
    """Wrap ``data`` in a fresh envelope. ``event_id`` makes a retried publication the same event;
    the correlation id is the work under way's unless given (``rebub_shared.correlation``)."""
    envelope = Envelope(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=data.event_type,
        time=clock.now(),
        subject=subject,
        tenant=check_tenant(tenant),
        correlationid=correlation_id or correlation.current(),
        almaevent=type(data).alma_event,
    )
    return Event[P](envelope=envelope, data=data)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def envelope_from_headers(headers: Mapping[str, str | bytes]) -> Envelope:
    """Read the context attributes of binary mode, or raise ``InvalidEventError``."""
    values = {k.removeprefix("ce_"): _text(v) for k, v in headers.items() if k.startswith("ce_")}
    if values.get("specversion") != SPEC_VERSION:
        raise InvalidEventError(
            f"ce_specversion: {values.get('specversion')!r} is not {SPEC_VERSION!r}"
        )
    try:
        return Envelope.model_validate({k: values.get(k) for k in (*_ATTRIBUTES, "specversion")})
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0])
        raise InvalidEventError(f"ce_{field}: {first.get('input')!r}: {first['msg']}") from error


class EventRegistry:
    """Maps ``ce_type`` to its payload class, so one topic can carry several event types."""

    def __init__(self, *payloads: type[EventPayload]) -> None:
        self._by_type = {p.event_type: p for p in payloads}

    @property
    def types(self) -> tuple[type[EventPayload], ...]:
        return tuple(self._by_type.values())

    def decode(
        self, headers: Mapping[str, str | bytes], body: bytes | str | Mapping[str, Any]
    ) -> Event[Any]:
        """Decode a Kafka record into a typed event, or raise ``InvalidEventError`` (also when
        the data names another institution than ``ce_tenant``)."""
        envelope = envelope_from_headers(headers)
        payload_type = self._by_type.get(envelope.type)
        if payload_type is None:
            raise InvalidEventError(f"ce_type: {envelope.type!r} is not a known event type here")
        try:
            raw = body if isinstance(body, Mapping) else json.loads(body)
            data = payload_type.model_validate(raw)
        except (ValidationError, json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InvalidEventError(
                f"data of {envelope.type} (ce_id {envelope.id}): {error}"
            ) from error
        issuer = data.issuer()
        if issuer is not None and issuer != envelope.tenant:
            raise InvalidEventError(
                f"data of {envelope.type} (ce_id {envelope.id}) is written by {issuer!r} but "
                f"ce_tenant is {envelope.tenant!r}"
            )
        return Event[Any](envelope=envelope, data=data)
