"""The demo's second half: the clock moves through the days that matter (a late return in inp and
in ub, each notifier's daily pass), then the letters are counted and the story is checked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.progress import Progress

from rebub.demo.client import DemoError, NetworkClient, per_institution
from rebub.demo.facts import Consumer, Facts
from rebub.demo.scenario import CONSUMER_WAIT_S, Report, desk, loan_field
from rebub_shared.clock import PARIS
from rebub_shared.tenancy import institution_codes

CHAIN_DAYS = 100  # a 2-month loan's recall 3 falls near day 96
STAGE_OFFSETS = (-3, 0, 7, 21, 35)
#: The letters of the chain, each with its channel: the report must show every one.
STAGES = (
    ("courtesy", "email"),
    ("reminder", "email"),
    ("recall1", "email"),
    ("recall2", "email"),
    ("recall3", "post"),
)
LateLoans = dict[int, list[tuple[str, dict[str, Any]]]]


def pick_late_loans(
    net: NetworkClient, loans: dict[str, list[dict[str, Any]]], start: datetime
) -> LateLoans:
    """One open, never renewed loan in inp and one in ub, to come back 5 days late: keyed by the
    day (counted from the start) of their return."""
    late: LateLoans = {}
    for inst in ("inp", "ub"):
        open_ = [x for x in loans.get(inst, []) if not x.get("returned") and not x.get("renewed")]
        if not open_:
            raise DemoError(
                f"the late return in {inst} expected an open, never renewed loan, saw "
                f"{len(loans.get(inst, []))} loan(s) and none open; {net.hint('circulation', inst)}"
            )
        loan = open_[0]
        due = datetime.fromisoformat(loan_field(net, inst, loan, "due_at"))
        late.setdefault((due - start).days + 5, []).append((inst, loan))
        loan["returned"] = True  # from now on, it is the late one
    return late


async def chain_days(
    net: NetworkClient, loans: dict[str, list[dict[str, Any]]], start: datetime
) -> set[int]:
    """The days (from the start) on which a letter of the chain falls for an open loan: the
    notifier's default stages (courtesy 3 days before, due day, +7, +21, +35)."""
    days: set[int] = set()
    for inst, inst_loans in loans.items():
        for pid in sorted({loan_field(net, inst, x, "patron_id") for x in inst_loans}):
            answer = await net.call(
                "GET", "circulation", inst, f"/patrons/{pid}/loans", headers=desk(inst)
            )
            for loan in answer.get("loans", []):
                due = (datetime.fromisoformat(loan["due_at"]) - start).days
                days |= {due + offset for offset in STAGE_OFFSETS}
    return days


async def notifiers_caught_up(facts: Facts) -> None:
    """Each notifier has read its institution's loans and patrons before its daily pass."""
    t = facts.topics
    group = {i: t.group(i, "notifier") for i in institution_codes()}
    consumers = [
        Consumer("notifier", i, topic, group[i])
        for i in institution_codes()
        for topic in (t.loan(i), t.patron(i))
    ]
    await facts.caught_up(consumers, "each notifier reads the loans", CONSUMER_WAIT_S)


async def return_late(net: NetworkClient, inst: str, loan: dict[str, Any], report: Report) -> None:
    barcode = loan_field(net, inst, loan, "item_barcode")
    await net.call(
        "POST", "circulation", inst, "/returns", headers=desk(inst), json={"item_barcode": barcode}
    )
    pid = loan_field(net, inst, loan, "patron_id")
    answer = await net.call(
        "GET", "circulation", inst, f"/patrons/{pid}/blocks", headers=desk(inst)
    )
    blocks = answer.get("blocks", []) if isinstance(answer, dict) else list(answer)
    suspension = [b for b in blocks if "suspen" in str(b).lower()]
    report.late_returns.append(
        f"{inst}: item {barcode} returned 5 days late: "
        + (
            f"borrowing suspended ({suspension[0]})"
            if suspension
            else "no suspension (this institution does not suspend)"
        )
    )


async def walk_the_calendar(
    net: NetworkClient,
    start: datetime,
    days: list[int],
    late: LateLoans,
    report: Report,
    progress: Progress,
) -> None:
    """Move every institution's clock forward to each day that matters, in order; late returns on
    their day; then each notifier's daily pass (the letter chain)."""
    task = progress.add_task("moving the clock (late returns, letter chain)", total=len(days))
    for day in days:
        now = (start + timedelta(days=day)).astimezone(PARIS).replace(hour=10, minute=0)

        async def the_day(inst: str, now: datetime = now, day: int = day) -> None:
            await net.set_clock(inst, now, services=("circulation", "notifier"))
            for late_inst, loan in late.get(day, []):
                if late_inst == inst:
                    await return_late(net, inst, loan, report)
            await net.call("POST", "notifier", inst, "/_dev/scheduler/run", timeout=120)

        await per_institution(institution_codes(), the_day)
        progress.advance(task)
    report.days_moved = days[-1] if days else 0


def missing_stages(report: Report) -> list[str]:
    """The letters of the chain the report does not show (kind by channel)."""
    sent = {(kind, channel) for (_inst, kind, channel) in report.letters}
    return [f"{kind} by {channel}" for kind, channel in STAGES if (kind, channel) not in sent]


def check_story(net: NetworkClient, report: Report) -> None:
    """The README's promise: letters of all five stages, the inp suspension, the external
    reader found in the five institutions. Anything missing is one sentence."""
    if missing := missing_stages(report):
        raise DemoError(
            f"the letter chain expected letters of all five stages, saw none of "
            f"{', '.join(missing)}; {net.hint('notifier', 'ub')} (and of the other notifiers)"
        )
    if not any(x.startswith("inp:") and "borrowing suspended" in x for x in report.late_returns):
        raise DemoError(
            f"the late return in inp expected a suspension, saw {report.late_returns}; "
            f"{net.hint('circulation', 'inp')}"
        )
    if report.found_in != list(institution_codes()):
        raise DemoError(
            f"the external reader expected to be found in {', '.join(institution_codes())}, was "
            f"found in {', '.join(report.found_in)}; {net.hint('patron-sync', 'scpo')}"
        )
