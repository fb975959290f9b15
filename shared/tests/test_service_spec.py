"""The service declaration: a subscriber handles only events its consumption declares, the
handler of an event's type (or base type) runs, a declared event without handler is skipped,
and a spec's topology is its subscribers' consumptions and its publications."""

from __future__ import annotations

from typing import ClassVar

import pytest

from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import Event, EventPayload, new_event
from rebub_shared.runtime import build_runtime
from rebub_shared.service import Consumption, On, Publication, ServiceSpec, Subscriber
from rebub_shared.settings import ServiceSettings


class Moved(EventPayload):
    """Something moved (a test event)."""

    event_type: ClassVar[str] = "test.moved.v1"
    what: str


class Stayed(EventPayload):
    """Something stayed (a test event)."""

    event_type: ClassVar[str] = "test.stayed.v1"
    what: str


class Gone(EventPayload):
    """Something left (a test event no consumption here declares)."""

    event_type: ClassVar[str] = "test.gone.v1"


MOVES = Consumption("moves", "ub.test.moves", ("ub.moves.v1",), (Moved, Stayed))


def headers(data: EventPayload) -> dict[str, str]:
    clock = MovableClock()
    return new_event(
        data, source="/rebub/ub/test", tenant="ub", subject="s", clock=clock
    ).envelope.headers()


async def test_each_record_goes_to_the_handler_of_its_type() -> None:
    seen: list[str] = []

    async def on_moved(event: Event[Moved]) -> None:
        seen.append(event.data.what)

    subscriber = Subscriber(MOVES, (On(Moved, on_moved),))
    await subscriber.dispatch(headers(Moved(what="chair")), {"what": "chair"})
    await subscriber.dispatch(headers(Stayed(what="table")), {"what": "table"})  # no handler
    assert seen == ["chair"]


def test_a_handler_of_an_undeclared_event_is_refused() -> None:
    async def on_gone(event: Event[Gone]) -> None:
        return None

    with pytest.raises(ValueError, match=r"ub\.test\.moves: a handler of Gone"):
        Subscriber(MOVES, (On(Gone, on_gone),))


def test_the_topology_is_the_subscribers_and_publications() -> None:
    settings = ServiceSettings(tenant="ub")
    out = Publication("ub.out.v1", (Gone,))
    spec = ServiceSpec(
        runtime=build_runtime(settings, "test"),
        title="test",
        subscribers=(Subscriber(MOVES, ()),),
        publishes=(out,),
    )
    topology = spec.topology()
    assert (topology.service, topology.tenant) == ("test", "ub")
    assert topology.consumes == (MOVES,)
    assert topology.publishes == (out,)
    assert topology.groups == ("ub.test.moves",)
