import json
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import EventPayload, EventRegistry, InvalidEventError, new_event


class BookReturned(EventPayload):
    """A test payload."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.test.returned.v1"
    barcode: str


CLOCK = MovableClock(datetime(2026, 12, 3, 18, 0, tzinfo=UTC))


def _event() -> tuple[dict[str, str], bytes]:
    event = new_event(
        BookReturned(barcode="33000012345678"),
        source="/rebub/inp/circulation",
        tenant="inp",
        subject="patron/P1",
        clock=CLOCK,
        event_id="e-1",
        correlation_id="c-1",
    )
    return event.envelope.headers(), json.dumps(event.data.model_dump(mode="json")).encode()


def test_binary_mode_headers_carry_the_context_attributes() -> None:
    headers, _ = _event()
    assert headers == {
        "ce_specversion": "1.0",
        "content-type": "application/json",
        "ce_id": "e-1",
        "ce_source": "/rebub/inp/circulation",
        "ce_type": "fr.bordeaux.rebub.test.returned.v1",
        "ce_time": "2026-12-03T18:00:00+00:00",
        "ce_subject": "patron/P1",
        "ce_tenant": "inp",
        "ce_correlationid": "c-1",
    }


def test_a_record_decodes_back_into_its_typed_payload() -> None:
    headers, body = _event()
    raw = {k: v.encode() for k, v in headers.items()}  # Kafka gives bytes
    event = EventRegistry(BookReturned).decode(raw, body)
    assert event.data == BookReturned(barcode="33000012345678")
    assert (event.envelope.tenant, event.envelope.id) == ("inp", "e-1")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ce_tenant": "lyon"}, r"ce_tenant: 'lyon'"),
        ({"ce_time": "demain"}, r"ce_time: 'demain'"),
        ({"ce_time": "2026-12-03T18:00:00"}, r"ce_time: '2026-12-03T18:00:00'"),  # no zone
        ({"ce_specversion": "0.3"}, r"ce_specversion: '0.3' is not '1.0'"),
        ({"ce_type": "x.unknown"}, r"ce_type: 'x.unknown' is not a known event type"),
    ],
)
def test_a_bad_header_is_named_with_its_value(change: dict[str, str], message: str) -> None:
    headers, body = _event()
    with pytest.raises(InvalidEventError, match=message):
        EventRegistry(BookReturned).decode(headers | change, body)


def test_bad_data_is_refused_naming_the_event() -> None:
    headers, _ = _event()
    with pytest.raises(
        InvalidEventError, match=r"data of fr.bordeaux.rebub.test.returned.v1 \(ce_id e-1\)"
    ):
        EventRegistry(BookReturned).decode(headers, b'{"barcode": 42, "extra": true}')
