"""The demo's story, step by step: imports, links on first use, an external reader everywhere,
loans, renewals, returns. Each step checks its outcome and waits on the facts the next one needs
(``facts.py``); the calendar and the letters are in ``letter_chain.py``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import Progress

from rebub.demo import data
from rebub.demo.client import DemoError, NetworkClient, per_institution
from rebub.demo.facts import Consumer, Facts
from rebub_shared.tenancy import InstitutionCode, institution_codes

DESKS: dict[str, str] = {}

#: Bounds of the waits, in seconds: generous for a busy machine, short enough to say why.
PROJECTION_WAIT_S = 300.0
CONSUMER_WAIT_S = 180.0


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
    searches: list[str] = field(default_factory=list)
    external_reader: str = ""
    found_in: list[str] = field(default_factory=list)
    loans: Counter[str] = field(default_factory=Counter)
    renewed: Counter[str] = field(default_factory=Counter)
    returned: Counter[str] = field(default_factory=Counter)
    late_returns: list[str] = field(default_factory=list)
    letters: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    days_moved: int = 0
    notes: list[str] = field(default_factory=list)


def desk_of(inst: str) -> str:
    if inst not in DESKS:
        from circulation.domain import load_institution_policy

        DESKS[inst] = load_institution_policy(inst).libraries[0].desks[0].code
    return DESKS[inst]


def _primary_id(account: dict[str, Any]) -> str | None:
    """A desk lookup answer's primary id (patron-sync nests the DSI fields under ``record``)."""
    record = account.get("record") or {}
    return record.get("primary_id") or account.get("primary_id")


def desk(inst: str) -> dict[str, str]:
    """The desk a circulation request is made at (the operator is the token's subject)."""
    return {"X-Desk": desk_of(inst)}


async def import_feeds(
    net: NetworkClient, s: DemoSettings, report: Report, progress: Progress
) -> None:
    task = progress.add_task(
        "importing the DSI feeds into the network zone", total=len(institution_codes())
    )
    for inst in institution_codes():
        feed = data.write_feed(s.folder, inst, s.accounts, s.bad_records, s.seed)
        answer = await net.import_feed(inst, feed)
        if answer.get("received") != s.accounts:
            raise DemoError(
                f"the import of {inst}'s feed expected {s.accounts} records received, saw "
                f"{answer.get('received')}; {net.hint('patron-sync', 'network')}"
            )
        report.imports[inst] = answer
        progress.advance(task)


async def projections_caught_up(facts: Facts) -> None:
    """Every institution holds the network zone's accounts (its nz.patron.v1 consumer is at
    lag zero): a desk search finds them all."""
    topic = facts.topics.nz_patron
    consumers = [
        Consumer("patron-sync", i, topic, facts.topics.group(i, "patron-sync", "nz-patron"))
        for i in institution_codes()
    ]
    await facts.caught_up(
        consumers, "each institution's copy of the network zone", PROJECTION_WAIT_S
    )


async def load_items(
    net: NetworkClient, s: DemoSettings, progress: Progress
) -> dict[str, list[data.DemoItem]]:
    task = progress.add_task(
        "loading items into each institution's circulation", total=len(institution_codes())
    )

    async def load(inst: InstitutionCode) -> list[data.DemoItem]:
        shelf = data.items(inst, s.items, s.run, s.seed)
        body = {"items": [i.as_json() for i in shelf]}
        await net.call("POST", "circulation", inst, "/items", json=body)
        progress.advance(task)
        return shelf

    loaded = await per_institution(institution_codes(), load)
    return {inst: shelf for inst, shelf in loaded.items()}


async def _search_at_desk(net: NetworkClient, inst: str, term: str, wanted: str) -> str:
    """Page through a desk name search until ``wanted`` shows; say on which page."""
    offset: int | None = 0
    page = 0
    while offset is not None:
        page += 1
        answer = await net.call(
            "GET", "patron-sync", inst, "/patrons", params={"name": term, "offset": offset}
        )
        if any(_primary_id(p) == wanted for p in answer["patrons"]):
            return f"{inst}: '{term}' found {wanted} on page {page} of {answer['total']} matches"
        offset = answer.get("next_offset")
    raise DemoError(
        f"a desk search in {inst} for '{term}' expected {wanted} among its matches, saw "
        f"{page} page(s) without it; {net.hint('patron-sync', inst)}"
    )


async def link_borrowers(
    net: NetworkClient,
    facts: Facts,
    s: DemoSettings,
    used: set[str],
    report: Report,
    progress: Progress,
) -> dict[str, list[str]]:
    """Staff find patrons of the feed at the desk: the first by name (last name and the first
    letters of the first name, as typed at a desk), the others by primary id. Found only in the
    network zone, they are linked into the institution when staff open them (a search alone
    links nobody). Patrons who borrowed in an earlier run are
    left alone, so the demo can run again. Then each institution's circulation knows them."""
    task = progress.add_task(
        "linking patrons on first use (desk search)", total=len(institution_codes()) * s.borrowers
    )

    async def link(inst: InstitutionCode) -> tuple[list[str], str]:
        fresh = [
            a
            for a in data.feed_accounts(inst, s.accounts, s.bad_records, s.seed)
            if a.primary_id not in used
        ][: s.borrowers]
        if len(fresh) < s.borrowers:
            raise DemoError(
                f"{inst}'s feed expected {s.borrowers} patrons who never borrowed in an earlier "
                f"run, has {len(fresh)}; start from an empty state folder (`rebub down`, then "
                "remove .rebub/demo/borrowers.txt and the databases)"
            )
        first = fresh[0]
        term = f"{first.last_name} {first.first_name[:3]}"
        search = await _search_at_desk(net, inst, term, first.primary_id)
        progress.advance(task)
        # A search links nobody (issue 21): staff open each account they serve, which links it.
        for account in fresh:
            await net.call("GET", "patron-sync", inst, f"/patrons/{account.primary_id}")
            progress.advance(task)
        report.linked[inst] += len(fresh)
        return [a.primary_id for a in fresh], search

    linked = await per_institution(institution_codes(), link)
    report.searches += [search for _ids, search in linked.values()]
    borrowers: dict[str, list[str]] = {inst: ids for inst, (ids, _search) in linked.items()}
    await circulation_knows(net, facts, borrowers)
    return borrowers


async def circulation_knows(
    net: NetworkClient, facts: Facts, borrowers: dict[str, list[str]]
) -> None:
    """Each institution's circulation learnt its linked patrons from ``{inst}.patron.v1``."""
    t = facts.topics
    consumers = [
        Consumer("circulation", i, t.patron(i), t.group(i, "circulation", "patrons"))
        for i in institution_codes()
        if i in borrowers
    ]
    await facts.caught_up(consumers, "circulation reads the linked patrons", CONSUMER_WAIT_S)
    for inst, ids in borrowers.items():
        for pid in ids:
            await facts.answered(
                "circulation",
                inst,
                f"/patrons/{pid}/blocks",
                what=f"patron {pid} in {inst}'s circulation",
                expected="the patron known",
                headers=desk(inst),
            )


async def external_reader(
    net: NetworkClient, facts: Facts, s: DemoSettings, report: Report
) -> None:
    """An external reader created in scpo is found by barcode in all five institutions."""
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
    for inst in institution_codes():
        await facts.answered(
            "patron-sync",
            inst,
            "/patrons",
            what=f"the external reader {barcode} in {inst}",
            expected="the reader found by barcode",
            accept=lambda answer: bool(answer["patrons"]),
            params={"barcode": barcode},
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

    async def lend_in(inst: str) -> list[dict[str, Any]]:
        stock = iter(shelves[inst])
        made: list[dict[str, Any]] = []
        for pid in borrowers[inst]:
            for item in (next(stock), next(stock)):
                answer = await net.call(
                    "POST",
                    "circulation",
                    inst,
                    "/loans",
                    headers=desk(inst),
                    json={"patron": pid, "item_barcode": item.barcode},
                )
                loan = answer.get("loan", answer)
                loan_field(net, inst, loan, "due_at")
                made.append(loan)
                report.loans[inst] += 1
                progress.advance(task)
        return made

    return await per_institution(borrowers, lend_in)


def loan_field(net: NetworkClient, inst: str, loan: dict[str, Any], name: str) -> Any:
    if name not in loan:
        raise DemoError(
            f"a loan answer of {inst} expected the field {name}, saw {sorted(loan)}; "
            f"{net.hint('circulation', inst)}"
        )
    return loan[name]


async def renew_and_return(
    net: NetworkClient, loans: dict[str, list[dict[str, Any]]], start: datetime, report: Report
) -> None:
    """Day +10: a third of the borrowers renew everything; day +12: a third of the loans of the
    others come back."""

    async def renew_and_return_in(inst: str) -> None:
        rng = random.Random(f"7-{inst}")
        inst_loans = loans[inst]
        await net.set_clock(inst, start + timedelta(days=10))
        patrons = sorted({loan_field(net, inst, loan, "patron_id") for loan in inst_loans})
        renewing = set(patrons[: max(1, len(patrons) // 3)])
        for pid in sorted(renewing):
            path = f"/patrons/{pid}/renewals"
            answer = await net.call(
                "POST", "circulation", inst, path, headers=desk(inst), json={"all": True}
            )
            lines = answer.get("lines", []) if isinstance(answer, dict) else answer
            report.renewed[inst] += sum(1 for line in lines if line.get("renewed"))
        await net.set_clock(inst, start + timedelta(days=12))
        others = [x for x in inst_loans if loan_field(net, inst, x, "patron_id") not in renewing]
        for loan in rng.sample(others, k=len(others) // 3):
            await net.call(
                "POST",
                "circulation",
                inst,
                "/returns",
                headers=desk(inst),
                json={"item_barcode": loan_field(net, inst, loan, "item_barcode")},
            )
            loan["returned"] = True
            report.returned[inst] += 1
        for loan in inst_loans:
            loan["renewed"] = loan_field(net, inst, loan, "patron_id") in renewing

    await per_institution(loans, renew_and_return_in)
