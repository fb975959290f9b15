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
STAGE_OFFSETS = (-3, 0, 7, 21, 35)


@dataclass
class DemoSettings:
    folder: Path
    run: int
    accounts: int = 600  # per institution
    bad_records: int = 6  # per feed
    items: int = 400  # per institution
    borrowers: int = 8  # linked and borrowing, per institution
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


def _primary_id(account: dict[str, Any]) -> str | None:
    """A desk lookup answer's primary id (patron-sync nests the DSI fields under ``record``)."""
    record = account.get("record") or {}
    return record.get("primary_id") or account.get("primary_id")


def _headers(inst: str) -> dict[str, str]:
    return {"X-Desk": _desk_of(inst)}  # the operator is the demo client's token subject


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
    net: NetworkClient, s: DemoSettings, used: set[str], report: Report, progress: Progress
) -> dict[str, list[str]]:
    """Staff look patrons of the feed up at the desk, by name (4 letters of the last name) or by
    primary id: found only in the network zone, they are linked into the institution. Patrons who borrowed in an
    earlier run are left alone, so the demo can run again."""
    task = progress.add_task(
        "linking patrons on first use (name search at the desk)",
        total=len(INSTITUTION_CODES) * s.borrowers,
    )
    borrowers: dict[str, list[str]] = {}
    for inst in INSTITUTION_CODES:
        ids: list[str] = []
        for account in data.feed_accounts(inst, s.accounts, s.bad_records, s.seed):
            if len(ids) >= s.borrowers:
                break
            if account.primary_id in used:
                continue
            if not ids:  # the first by a name search (4 letters), the others by primary id
                found = await net.call(
                    "GET", "patron-sync", inst, "/patrons", params={"name": account.last_name[:4]}
                )
                if not any(_primary_id(p) == account.primary_id for p in found):
                    continue
            else:
                await net.call("GET", "patron-sync", inst, f"/patrons/{account.primary_id}")
            ids.append(account.primary_id)
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
    report.external_reader = str(created.get("account_id") or _primary_id(created))
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
    """Day +10: a third of the borrowers renew everything; day +12: a third of the loans of the
    others come back."""
    rng = random.Random(7)
    for inst, inst_loans in loans.items():
        await net.set_clock(inst, start + timedelta(days=10))
        patrons = sorted({_loan_field(loan, "patron_id") for loan in inst_loans})
        renewing = set(patrons[: max(1, len(patrons) // 3)])
        for pid in sorted(renewing):
            path = f"/patrons/{pid}/renewals"
            answer = await net.call(
                "POST", "circulation", inst, path, headers=_headers(inst), json={"all": True}
            )
            lines = answer.get("lines", []) if isinstance(answer, dict) else answer
            report.renewed[inst] += sum(1 for line in lines if line.get("renewed"))
        await net.set_clock(inst, start + timedelta(days=12))
        others = [x for x in inst_loans if _loan_field(x, "patron_id") not in renewing]
        for loan in rng.sample(others, k=len(others) // 3):
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
        for loan in inst_loans:
            loan["renewed"] = _loan_field(loan, "patron_id") in renewing


def pick_late_loans(
    loans: dict[str, list[dict[str, Any]]], start: datetime
) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """One open, never renewed loan in inp and one in ub, to come back 5 days late: keyed by the
    day (counted from the start) of their return."""
    late: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for inst in ("inp", "ub"):
        loan = next(x for x in loans[inst] if not x.get("returned") and not x.get("renewed"))
        due = datetime.fromisoformat(_loan_field(loan, "due_at"))
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
        for pid in sorted({_loan_field(x, "patron_id") for x in inst_loans}):
            answer = await net.call(
                "GET", "circulation", inst, f"/patrons/{pid}/loans", headers=_headers(inst)
            )
            for loan in answer.get("loans", []):
                due = (datetime.fromisoformat(loan["due_at"]) - start).days
                days |= {due + offset for offset in STAGE_OFFSETS}
    return days


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
    days: list[int],
    late: dict[int, list[tuple[str, dict[str, Any]]]],
    report: Report,
    progress: Progress,
) -> None:
    """Move every institution's clock forward to each day that matters, in order; late returns on
    their day; then each notifier's daily pass (the letter chain)."""
    task = progress.add_task("moving the clock (late returns, letter chain)", total=len(days))
    for day in days:
        now = (start + timedelta(days=day)).astimezone(PARIS).replace(hour=10, minute=0)
        for code in INSTITUTION_CODES:
            await net.set_clock(code, now, services=("circulation", "notifier"))
        for inst, loan in late.get(day, []):
            await return_late(net, inst, loan, report)
        for code in INSTITUTION_CODES:
            await net.call("POST", "notifier", code, "/_dev/scheduler/run", timeout=120)
        progress.advance(task)
    report.days_moved = days[-1] if days else 0
