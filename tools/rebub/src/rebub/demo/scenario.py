"""The demo's story, step by step: imports, links on first use, an external reader everywhere,
loans, renewals, returns (one late, with its suspension), then the letter chain as the clock moves.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from rich.progress import Progress

from rebub.demo import data
from rebub.demo.client import DemoError, NetworkClient, eventually
from rebub_shared.clock import PARIS
from rebub_shared.tenancy import INSTITUTION_CODES

DESKS: dict[str, str] = {}


@dataclass
class DemoSettings:
    folder: Path
    run: int
    accounts: int = 600  # per institution
    bad_records: int = 6  # per feed
    items: int = 400  # per institution
    borrowers: int = 12  # linked and borrowing, per institution
    seed: int = 2026


@dataclass
class Report:
    imports: dict[str, dict[str, Any]] = field(default_factory=dict)
    linked: Counter[str] = field(default_factory=Counter)
    external_reader: str = ""
    found_in: list[str] = field(default_factory=list)
    loans: Counter[str] = field(default_factory=Counter)
    renewed: Counter[str] = field(default_factory=Counter)
    returned: Counter[str] = field(default_factory=Counter)
    late_returns: list[str] = field(default_factory=list)
    letters: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    days_moved: int = 0
    notes: list[str] = field(default_factory=list)


def _desk_of(inst: str) -> str:
    if inst not in DESKS:
        from circulation.domain import load_institution_policy

        DESKS[inst] = load_institution_policy(inst).libraries[0].desks[0].code
    return DESKS[inst]


def _headers(inst: str) -> dict[str, str]:
    return {"X-Desk": _desk_of(inst), "X-Operator": "demo"}


async def import_feeds(
    net: NetworkClient, s: DemoSettings, report: Report, progress: Progress
) -> None:
    task = progress.add_task(
        "importing the DSI feeds into the network zone", total=len(INSTITUTION_CODES)
    )
    for inst in INSTITUTION_CODES:
        feed = data.write_feed(s.folder, inst, s.accounts, s.bad_records, s.seed)
        report.imports[inst] = await net.import_feed(inst, feed)
        progress.advance(task)


async def load_items(
    net: NetworkClient, s: DemoSettings, progress: Progress
) -> dict[str, list[data.DemoItem]]:
    task = progress.add_task(
        "loading items into each institution's circulation", total=len(INSTITUTION_CODES)
    )
    shelves: dict[str, list[data.DemoItem]] = {}
    for inst in INSTITUTION_CODES:
        shelves[inst] = data.items(inst, s.items, s.run, s.seed)
        await net.call(
            "POST",
            "circulation",
            inst,
            "/items",
            json={"items": [i.as_json() for i in shelves[inst]]},
        )
        progress.advance(task)
    return shelves


async def link_borrowers(
    net: NetworkClient, s: DemoSettings, report: Report, progress: Progress
) -> dict[str, list[str]]:
    """Staff search patrons by name at the desk: found only in the network zone, they are linked."""
    task = progress.add_task(
        "linking patrons on first use (name search at the desk)",
        total=len(INSTITUTION_CODES) * s.borrowers,
    )
    borrowers: dict[str, list[str]] = {}
    for inst in INSTITUTION_CODES:
        ids: list[str] = []
        for prefix in (
            "mar",
            "ber",
            "dub",
            "lef",
            "mor",
            "gir",
            "ros",
            "fau",
            "ler",
            "bon",
            "lam",
            "cha",
            "dup",
            "bla",
            "rou",
        ):
            if len(ids) >= s.borrowers:
                break
            found = await net.call("GET", "patron-sync", inst, "/patrons", params={"name": prefix})
            for patron in found:
                pid = patron.get("primary_id") or patron.get("account_id")
                if pid and pid not in ids and len(ids) < s.borrowers:
                    ids.append(pid)
                    report.linked[inst] += 1
                    progress.advance(task)
        for pid in ids:  # circulation learns the patron from {inst}.patron.v1
            path = f"/patrons/{pid}/blocks"
            await eventually(
                partial(net.call, "GET", "circulation", inst, path, headers=_headers(inst)),
                f"patron {pid} in {inst}'s circulation",
            )
        borrowers[inst] = ids
    return borrowers


async def external_reader(net: NetworkClient, s: DemoSettings, report: Report) -> None:
    barcode = f"LEXT{s.run:02d}{s.seed % 10000:04d}"
    created = await net.call(
        "POST",
        "patron-sync",
        "scpo",
        "/external-readers",
        json={
            "last_name": "Lacoste",
            "first_name": "Hélène",
            "user_group": "LECTEUR_EXTERIEUR",
            "expiry_date": "2027-09-30",
            "emails": [{"address": "helene.lacoste@example.org", "preferred": True}],
            "identifiers": [{"id_type": "BARCODE", "value": barcode}],
        },
    )
    report.external_reader = str(created.get("account_id") or created.get("primary_id"))
    for inst in INSTITUTION_CODES:
        await eventually(
            partial(net.call, "GET", "patron-sync", inst, "/patrons", params={"barcode": barcode}),
            f"the external reader in {inst}",
        )
        report.found_in.append(inst)


async def lend(
    net: NetworkClient,
    borrowers: dict[str, list[str]],
    shelves: dict[str, list[data.DemoItem]],
    report: Report,
    progress: Progress,
) -> dict[str, list[dict[str, Any]]]:
    task = progress.add_task(
        "lending (2 items per borrower)", total=sum(len(v) * 2 for v in borrowers.values())
    )
    loans: dict[str, list[dict[str, Any]]] = {}
    for inst, ids in borrowers.items():
        stock = iter(shelves[inst])
        loans[inst] = []
        for pid in ids:
            for _ in range(2):
                item = next(stock)
                answer = await net.call(
                    "POST",
                    "circulation",
                    inst,
                    "/loans",
                    headers=_headers(inst),
                    json={"patron": pid, "item_barcode": item.barcode},
                )
                loans[inst].append(answer.get("loan", answer))
                report.loans[inst] += 1
                progress.advance(task)
    return loans


def _loan_field(loan: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in loan:
            return loan[name]
    raise DemoError(f"a loan answer lacks {names}: {sorted(loan)}")


async def renew_and_return(
    net: NetworkClient, loans: dict[str, list[dict[str, Any]]], start: datetime, report: Report
) -> None:
    """Day +10: a third of the borrowers renew everything; day +12: a third of the loans come back."""
    rng = random.Random(7)
    for inst, inst_loans in loans.items():
        await net.set_clock(inst, start + timedelta(days=10))
        patrons = sorted({_loan_field(loan, "patron_id") for loan in inst_loans})
        for pid in patrons[: max(1, len(patrons) // 3)]:
            answer = await net.call(
                "POST",
                "circulation",
                inst,
                f"/patrons/{pid}/renewals",
                headers=_headers(inst),
                json={"all": True},
            )
            lines = answer.get("lines", answer) if isinstance(answer, dict) else answer
            report.renewed[inst] += sum(
                1
                for line in lines
                if line.get("renewed", line.get("ok", False))
                or line.get("new_due_date")
                or line.get("due_at")
            )
        await net.set_clock(inst, start + timedelta(days=12))
        for loan in rng.sample(inst_loans, k=len(inst_loans) // 3):
            await net.call(
                "POST",
                "circulation",
                inst,
                "/returns",
                headers=_headers(inst),
                json={"item_barcode": _loan_field(loan, "item_barcode")},
            )
            loan["returned"] = True
            report.returned[inst] += 1


def pick_late_loans(
    loans: dict[str, list[dict[str, Any]]], start: datetime
) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """One open loan in inp and one in ub, to come back 5 days late: keyed by the day index."""
    late: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for inst in ("inp", "ub"):
        loan = next(x for x in loans[inst] if not x.get("returned"))
        due = datetime.fromisoformat(_loan_field(loan, "due_at", "due_date"))
        late.setdefault((due - start).days + 5, []).append((inst, loan))
        loan["returned"] = True  # from now on, it is the late one
    return late


async def return_late(net: NetworkClient, inst: str, loan: dict[str, Any], report: Report) -> None:
    await net.call(
        "POST",
        "circulation",
        inst,
        "/returns",
        headers=_headers(inst),
        json={"item_barcode": _loan_field(loan, "item_barcode")},
    )
    pid = _loan_field(loan, "patron_id")
    blocks = await net.call(
        "GET", "circulation", inst, f"/patrons/{pid}/blocks", headers=_headers(inst)
    )
    suspension = [b for b in _blocks(blocks) if "suspen" in str(b).lower()]
    report.late_returns.append(
        f"{inst}: item {_loan_field(loan, 'item_barcode')} returned 5 days late: "
        + (
            "borrowing suspended" + (f" ({suspension[0]})" if suspension else "")
            if suspension
            else "no suspension (this institution does not suspend)"
        )
    )


def _blocks(answer: Any) -> list[Any]:
    return answer.get("blocks", []) if isinstance(answer, dict) else list(answer)


async def walk_the_calendar(
    net: NetworkClient,
    start: datetime,
    first_day: int,
    days: int,
    late: dict[int, list[tuple[str, dict[str, Any]]]],
    report: Report,
    progress: Progress,
) -> None:
    """Move every institution's clock one day at a time; late returns on their day; then each
    notifier's daily pass (the letter chain)."""
    task = progress.add_task(
        "moving the clock day by day (late returns, letter chain)", total=days - first_day + 1
    )
    for day in range(first_day, days + 1):
        now = (start + timedelta(days=day)).astimezone(PARIS).replace(hour=10, minute=0)
        for code in INSTITUTION_CODES:
            await net.set_clock(code, now)
        for inst, loan in late.get(day, []):
            await return_late(net, inst, loan, report)
        for code in INSTITUTION_CODES:
            await net.call("POST", "notifier", code, "/_dev/scheduler/run", timeout=120)
        progress.advance(task)
    report.days_moved = days
