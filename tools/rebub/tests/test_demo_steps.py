"""The demo's steps fail in one sentence (what was expected, what was seen, which log), never with
a traceback; its waits are bounded; a consumer group that has committed nothing is not caught up;
each institution's requests carry its own token."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from rich.console import Console
from rich.progress import Progress

from rebub.demo.client import DemoError, NetworkClient
from rebub.demo.facts import Consumer, Facts, Seen, lag_of
from rebub.demo.letter_chain import check_story, pick_late_loans
from rebub.demo.scenario import Report
from rebub.flows import FlowSnapshot, GroupLag, TopicFlow
from rebub.network import network_plan
from rebub_shared.topics import Topics

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LOG = ".rebub/logs/network.log"


def _net(handler: Any = None, token: Any = None) -> NetworkClient:
    transport = httpx.MockTransport(handler or (lambda request: httpx.Response(200, json={})))
    client = httpx.AsyncClient(transport=transport)
    return NetworkClient(client, network_plan(8100), token=token or (lambda t: None), log=LOG)


def _progress() -> Progress:
    return Progress(console=Console(file=io.StringIO()))


def test_no_open_loan_in_inp_is_one_sentence_naming_circulation_inp_log() -> None:
    loans = {
        "inp": [{"patron_id": "INP-1", "due_at": "2027-01-01T18:00:00+00:00", "returned": True}]
    }
    loans["ub"] = []
    with pytest.raises(DemoError) as failed:
        pick_late_loans(_net(), loans, START)
    message = str(failed.value)
    assert "expected an open, never renewed loan" in message
    assert "saw 1 loan(s) and none open" in message
    assert f"circulation[inp] in {LOG}" in message
    assert "\n" not in message


def test_a_group_that_committed_nothing_is_not_caught_up() -> None:
    topic = Topics().nz_patron
    flows = FlowSnapshot(0.0, [TopicFlow(topic, "nz", 1, 3000, 3000, groups=[])])
    consumer = Consumer("patron-sync", "scpo", topic, "scpo.patron-sync.nz-patron")
    assert lag_of(flows, consumer) is None
    flows.topics[0].groups.append(GroupLag("scpo.patron-sync.nz-patron", 2990, 10))
    assert lag_of(flows, consumer) == 10


async def test_a_wait_is_bounded_and_says_what_it_saw() -> None:
    net = _net()
    facts = Facts(net, _progress(), "127.0.0.1:1", Topics(), every_s=0.01)

    async def never() -> Seen[bool]:
        return None, "lag 42"

    with pytest.raises(DemoError) as failed:
        await facts.until(
            never, what="scpo's projection", expected="lag 0", hint="read here", timeout_s=0.05
        )
    assert (
        str(failed.value) == "scpo's projection: expected lag 0 within 0 s, saw lag 42; read here"
    )


async def test_a_refusal_fails_at_once_a_404_is_waited_for() -> None:
    answers = iter([404, 404, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json={"patrons": [{"account_id": "X"}]})

    facts = Facts(_net(handler), _progress(), "127.0.0.1:1", Topics(), every_s=0.01)
    answer = await facts.answered("patron-sync", "ub", "/patrons", what="x", expected="y")
    assert answer == {"patrons": [{"account_id": "X"}]}

    refused = Facts(
        _net(lambda r: httpx.Response(422, json={"detail": "bad"})), _progress(), "", Topics()
    )
    with pytest.raises(DemoError) as failed:
        await refused.answered("circulation", "ub", "/patrons/P/blocks", what="x", expected="y")
    assert failed.value.status == 422
    assert "circulation[ub]" in str(failed.value)


async def test_each_institution_sends_its_own_token_and_the_import_its_sources() -> None:
    seen: list[tuple[str, str | None, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(
            (
                str(request.url.port),
                request.headers.get("authorization"),
                request.headers.get("x-operator"),
            )
        )
        return httpx.Response(200, json={"now": START.isoformat()})

    net = _net(handler, token=lambda tenant: f"token-of-{tenant}")
    await net.clock("scpo")
    await net.call("GET", "patron-sync", "network", "/imports", as_tenant="inp")
    assert seen == [("8131", "Bearer token-of-scpo", None), ("8100", "Bearer token-of-inp", None)]
    without = _net(handler)
    await without.clock("ub")
    assert seen[-1] == ("8111", None, None)  # no token: nothing names an operator


def test_the_story_is_checked_in_one_sentence() -> None:
    report = Report(found_in=["ub", "ubm", "scpo", "inp", "bsa"])
    report.late_returns = ["inp: item I returned 5 days late: borrowing suspended (…)"]
    report.letters.update({("ub", "courtesy", "email"): 3, ("ub", "reminder", "email"): 3})
    with pytest.raises(DemoError) as failed:
        check_story(_net(), report)
    assert "saw none of recall1 by email, recall2 by email, recall3 by post" in str(failed.value)
    assert f"notifier[ub] in {LOG}" in str(failed.value)
