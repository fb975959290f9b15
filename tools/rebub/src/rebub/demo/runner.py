"""Runs the demo on a running (or freshly started) network and prints what happened."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.progress import Progress

from rebub.demo import letter_chain as chain
from rebub.demo import scenario
from rebub.demo.client import NetworkClient, TokenProvider, demo_tokens
from rebub.demo.facts import Facts, Seen
from rebub.demo.scenario import DemoSettings, Report
from rebub.infra import LocalInfra
from rebub.network import ServiceInstance, desks_line
from rebub_shared.settings import KafkaSettings
from rebub_shared.tenancy import institution_codes
from rebub_shared.topics import Topics


async def _letter_partitions(
    bootstrap: str, client: dict[str, Any], topics: Topics
) -> list[TopicPartition]:
    """The partitions of every institution's letter topic that exists, as the broker knows them
    now (asked of the admin client: a consumer's ``partitions_for_topic`` knows only the topics
    its own metadata holds, none for a consumer that subscribed to nothing)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client)
    await admin.start()
    try:
        letters = {topics.letter(inst) for inst in institution_codes()}
        names = sorted(letters & set(await admin.list_topics()))
        described = await admin.describe_topics(names) if names else []
    finally:
        await admin.close()
    return [
        TopicPartition(d["topic"], p["partition"])
        for d in described
        for p in sorted(d["partitions"], key=lambda p: p["partition"])
    ]


async def _letter_offsets(
    bootstrap: str, client: dict[str, Any], topics: Topics
) -> dict[TopicPartition, int]:
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **client)
    await reader.start()
    try:
        parts = await _letter_partitions(bootstrap, client, topics)
        return await reader.end_offsets(parts) if parts else {}
    finally:
        await reader.stop()


async def _count_letters(
    bootstrap: str, client: dict[str, Any], topics: Topics, since: dict[TopicPartition, int]
) -> Counter[tuple[str, str, str]]:
    """Letters sent since the demo began, by institution, kind and channel (from the letter
    topics): a plain assign-seek-read up to the end offsets of now."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **client)
    counts: Counter[tuple[str, str, str]] = Counter()
    await reader.start()
    try:
        parts = await _letter_partitions(bootstrap, client, topics)
        if not parts:
            return counts
        ends = await reader.end_offsets(parts)
        reader.assign(parts)
        remaining = {}
        for tp in parts:
            start = since.get(tp, 0)
            reader.seek(tp, start)
            remaining[tp] = ends[tp] - start
        while any(n > 0 for n in remaining.values()):
            batch = await reader.getmany(timeout_ms=2000)
            if not batch:
                break
            for tp, records in batch.items():
                for record in records[: max(remaining[tp], 0)]:
                    letter = json.loads(record.value or b"{}")
                    key = (
                        letter.get("institution", "?"),
                        letter.get("kind", "?"),
                        letter.get("channel", "?"),
                    )
                    counts[key] += 1
                remaining[tp] -= len(records)
    finally:
        await reader.stop()
    return counts


def _next_run(home: Path) -> int:
    counter = home / "demo" / "runs"
    counter.parent.mkdir(parents=True, exist_ok=True)
    run = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(run))
    return run


async def run_demo(
    home: Path,
    infra: LocalInfra,
    console: Console,
    *,
    plan: list[ServiceInstance] | None = None,
    topics: Topics | None = None,
    token: TokenProvider | None = None,
    **sizes: int,
) -> Report:
    """Run the story on the network of ``plan`` (default: the local network's stable ports).

    Every step checks its outcome and waits (bounded) on the facts the next one needs; a
    failure raises :class:`DemoError`, one sentence naming the log to read."""
    topics = topics or Topics(prefix=KafkaSettings().topic_prefix)  # REBUB_TOPIC_PREFIX
    run = _next_run(home)
    folder = home / "demo" / f"run-{run}"
    folder.mkdir(parents=True, exist_ok=True)
    settings = DemoSettings(folder=folder, run=run, **sizes)
    report = Report()
    client = infra.kafka.running_client_options()
    since = await _letter_offsets(infra.kafka_bootstrap, client, topics)
    log = home / "logs" / "network.log"
    async with httpx.AsyncClient(timeout=180) as http:
        net = NetworkClient(http, plan, token=token or demo_tokens(infra.oidc_issuer), log=log)
        start = max([await net.clock(inst) for inst in institution_codes()]) + timedelta(days=1)
        for inst in institution_codes():
            await net.set_clock(inst, start)
        with Progress(console=console, transient=False) as progress:
            facts = Facts(
                net,
                progress,
                infra.kafka_bootstrap,
                topics,
                client,
                consumer_wait_s=scenario.CONSUMER_WAIT_S,
            )
            await scenario.import_feeds(net, settings, report, progress)
            shelves = await scenario.load_items(net, settings, progress)
            await scenario.projections_caught_up(facts)
            used_file = home / "demo" / "borrowers.txt"
            used = set(used_file.read_text().split()) if used_file.exists() else set()
            borrowers = await scenario.link_borrowers(net, facts, settings, used, report, progress)
            with used_file.open("a") as out:
                out.writelines(f"{pid}\n" for ids in borrowers.values() for pid in ids)
            await scenario.external_reader(net, facts, settings, report)
            loans = await scenario.lend(net, borrowers, shelves, report, progress)
            await scenario.renew_and_return(net, loans, start, report)
            late = chain.pick_late_loans(net, loans, start)
            days = await chain.chain_days(net, loans, start) | set(late)
            chosen = sorted(d for d in days if 12 < d <= chain.CHAIN_DAYS)
            await chain.notifiers_caught_up(facts)
            await chain.walk_the_calendar(net, start, chosen, late, report, progress)

            async def letters() -> Seen[Counter[tuple[str, str, str]]]:
                try:
                    report.letters = await _count_letters(
                        infra.kafka_bootstrap, client, topics, since
                    )
                except KafkaError as error:  # a busy broker: read again, within the bound
                    return None, f"no answer from the broker ({type(error).__name__})"
                missing = chain.missing_stages(report)
                return (None if missing else report.letters), f"no {', '.join(missing)} yet"

            await facts.until(
                letters,
                what="the letters of the chain on the letter topics",
                expected="letters of all five stages",
                hint=net.hint("notifier", "ub") + " (and of the other notifiers)",
                timeout_s=scenario.CONSUMER_WAIT_S,
            )
        chain.check_story(net, report)
    return report


def _count(value: Any) -> Any:
    return len(value) if isinstance(value, list) else value


def render(report: Report, home: Path, console: Console) -> None:
    console.rule("rebub demo: what happened")
    for inst, r in report.imports.items():
        console.print(
            f"import {inst:4}: received {r.get('received')}, created {r.get('created')}, updated {r.get('updated')}, "
            f"unchanged {r.get('unchanged')}, rejected {_count(r.get('rejected'))}, "
            f"absent {_count(r.get('absent'))}"
        )
    console.print(f"linked on first use: {dict(report.linked)}")
    for line in report.searches:
        console.print(f"desk search, {line}")
    console.print(
        f"external reader {report.external_reader} created in scpo, found by barcode in: {', '.join(report.found_in)}"
    )
    console.print(
        f"loans: {dict(report.loans)}; renewed: {dict(report.renewed)}; returned on time: {dict(report.returned)}"
    )
    for line in report.late_returns:
        console.print(f"late return, {line}")
    by_kind: Counter[tuple[str, str]] = Counter()
    for (_inst, kind, channel), n in report.letters.items():
        by_kind[(kind, channel)] += n
    console.print(
        f"clock moved {report.days_moved} days; letters sent: "
        + ", ".join(f"{kind} by {channel}: {n}" for (kind, channel), n in sorted(by_kind.items()))
    )
    console.print(f"emails: {home / 'mail'}  printed letters (PDF): {home / 'letters'}")
    console.print(desks_line())
