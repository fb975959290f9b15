"""``rebub dlq list|show|redrive|discard`` and ``rebub parked list|show|retry``: what failed, why,
and putting it back once the cause is fixed (``rebub.dlq``, ``rebub.parked``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, NoReturn

import typer

from rebub.infra import LocalInfra
from rebub_shared.tenancy import TenantCode, check_tenant
from rebub_shared.topics import Topics

dlq_app = typer.Typer(help="Dead letters: records a consumer could not process.")
parked_app = typer.Typer(help="Outbox entries set aside because they cannot be published.")

TENANT = typer.Option(None, "--tenant", help="One tenant (default: all six).")
MONGO_URI = typer.Option(None, help="Default: the local store.")
DB_PREFIX = typer.Option("", "--prefix", help="Only databases under this prefix (tests use one).")
TOPIC_PREFIX = typer.Option("", "--prefix", help="Only topics under this prefix (tests use one).")
BOOTSTRAP = typer.Option(None, help="Kafka bootstrap servers (default: the local broker).")
AS_JSON = typer.Option(False, "--json", help="Machine-readable.")
DRY_RUN = typer.Option(False, "--dry-run", help="Say what would be done; change nothing.")


def _fail(error: Exception) -> NoReturn:
    typer.secho(f"rebub: {error}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _tenant(value: str | None, required: bool = False) -> TenantCode | None:
    if value is None and required:
        _fail(ValueError("--tenant is required"))
    try:
        return check_tenant(value, "--tenant") if value else None
    except ValueError as error:
        _fail(error)


def _kafka(bootstrap: str | None) -> tuple[str, dict[str, Any]]:
    if bootstrap:
        return bootstrap, {}
    infra = LocalInfra.default()
    return infra.kafka_bootstrap, infra.kafka.running_client_options()


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@dlq_app.command("list")
def dlq_list(
    tenant: str | None = TENANT,
    topic: str | None = typer.Option(None, help="One original topic (or its dead-letter topic)."),
    pending: bool = typer.Option(False, "--pending", help="Only records not redriven yet."),
    bootstrap: str | None = BOOTSTRAP,
    prefix: str = TOPIC_PREFIX,
    as_json: bool = AS_JSON,
) -> None:
    """Dead letters per tenant and topic: reason, original topic/partition/offset, a preview."""
    from rebub.dlq import dead_letter_topics, read_dead_letters

    server, client = _kafka(bootstrap)
    topics = Topics(prefix)

    async def gather() -> list[Any]:
        names = await dead_letter_topics(
            server, topics, tenant=_tenant(tenant), topic=topic, **client
        )
        return [
            d for name in names for d in await read_dead_letters(server, name, topics, **client)
        ]

    letters = [d for d in asyncio.run(gather()) if not (pending and d.redriven)]
    if as_json:
        _print([d.as_json() for d in letters])
        return
    if not letters:
        typer.echo("no dead letter")
    for d in letters:
        state = "redriven" if d.redriven else "pending"
        typer.echo(
            f"{d.dlq_topic}@{d.offset} {state:8} from {d.topic}[{d.partition}]@{d.original_offset}"
            f" key={d.key} {d.ce_type}: {d.reason[:200]}\n    {d.preview[:120]!r}"
        )


@dlq_app.command("show")
def dlq_show(
    dlq_topic: str = typer.Argument(..., help="The dead-letter topic, e.g. ub.dlq.nz.patron.v1."),
    offset: int = typer.Argument(..., help="The record's offset in it."),
    bootstrap: str | None = BOOTSTRAP,
    prefix: str = TOPIC_PREFIX,
) -> None:
    """One dead letter whole: headers, reason, where it came from and its payload."""
    from rebub.dlq import read_dead_letters

    server, client = _kafka(bootstrap)
    letters = asyncio.run(read_dead_letters(server, dlq_topic, Topics(prefix), **client))
    found = [d for d in letters if d.offset == offset]
    if not found:
        _fail(LookupError(f"no record at offset {offset} of {dlq_topic}"))
    _print(found[0].as_json(whole=True))


def _take(
    dlq_topic: str,
    upto: int | None,
    dry_run: bool,
    discard: bool,
    bootstrap: str | None,
    prefix: str,
) -> None:
    from rebub.dlq import redrive

    server, client = _kafka(bootstrap)
    try:
        taken = asyncio.run(
            redrive(
                server,
                dlq_topic,
                Topics(prefix),
                upto=upto,
                dry_run=dry_run,
                discard=discard,
                **client,
            )
        )
    except ValueError as error:
        _fail(error)
    verb = "discarded" if discard else "redriven"
    for d in taken:
        where = "nowhere" if discard else d.topic
        typer.echo(f"{'would be ' if dry_run else ''}{verb}: {dlq_topic}@{d.offset} -> {where}")
    typer.echo(f"{len(taken)} record(s) {'would be ' if dry_run else ''}{verb}")


@dlq_app.command("redrive")
def dlq_redrive(
    dlq_topic: str = typer.Argument(..., help="The dead-letter topic, e.g. ub.dlq.nz.patron.v1."),
    upto: int | None = typer.Option(None, help="Stop after this offset (default: every one)."),
    dry_run: bool = DRY_RUN,
    bootstrap: str | None = BOOTSTRAP,
    prefix: str = TOPIC_PREFIX,
) -> None:
    """Publish the pending dead letters again to their original topics, in order, once."""
    _take(dlq_topic, upto, dry_run, False, bootstrap, prefix)


@dlq_app.command("discard")
def dlq_discard(
    dlq_topic: str = typer.Argument(..., help="The dead-letter topic."),
    upto: int = typer.Option(..., help="Mark the pending records up to this offset as handled."),
    dry_run: bool = DRY_RUN,
    bootstrap: str | None = BOOTSTRAP,
    prefix: str = TOPIC_PREFIX,
) -> None:
    """Mark pending dead letters as handled without publishing them (records beyond repair)."""
    _take(dlq_topic, upto, dry_run, True, bootstrap, prefix)


@parked_app.command("list")
def parked_list(
    tenant: str | None = TENANT,
    mongo_uri: str | None = MONGO_URI,
    prefix: str = DB_PREFIX,
    as_json: bool = AS_JSON,
) -> None:
    """Parked outbox entries per tenant and service, oldest first, with the reason."""
    from rebub.parked import gather_parked

    chosen = _tenant(tenant)
    uri = mongo_uri or LocalInfra.default().mongo_uri
    parked = asyncio.run(gather_parked(uri, (chosen,) if chosen else (), database_prefix=prefix))
    if as_json:
        _print(parked)
        return
    if not parked:
        typer.echo("no parked entry")
    for p in parked:
        typer.echo(
            f"{p['tenant']:8} {p['service']:12} {p['parked_at']} {p['topic']} "
            f"{p['event_id']} ({p['document_id']}): {p['reason'][:200]}"
        )


@parked_app.command("show")
def parked_show(
    event_id: str = typer.Argument(..., help="The parked entry's event id."),
    tenant: str | None = TENANT,
    mongo_uri: str | None = MONGO_URI,
    prefix: str = DB_PREFIX,
) -> None:
    """One parked entry whole: its topic, key, headers, data and why it was parked."""
    from rebub.parked import ParkedEntryNotFoundError, show_parked

    chosen = _tenant(tenant, required=True)
    assert chosen is not None
    uri = mongo_uri or LocalInfra.default().mongo_uri
    try:
        _print(asyncio.run(show_parked(uri, chosen, event_id, database_prefix=prefix)))
    except ParkedEntryNotFoundError as error:
        _fail(error)


@parked_app.command("retry")
def parked_retry(
    event_id: str = typer.Argument(..., help="The parked entry's event id."),
    tenant: str | None = TENANT,
    mongo_uri: str | None = MONGO_URI,
    prefix: str = DB_PREFIX,
    dry_run: bool = DRY_RUN,
) -> None:
    """Put a parked entry back into its document's outbox once its cause is fixed."""
    from rebub.parked import ParkedEntryNotFoundError, retry_parked

    chosen = _tenant(tenant, required=True)
    assert chosen is not None
    uri = mongo_uri or LocalInfra.default().mongo_uri
    try:
        p = asyncio.run(
            retry_parked(uri, chosen, event_id, database_prefix=prefix, dry_run=dry_run)
        )
    except ParkedEntryNotFoundError as error:
        _fail(error)
    done = "would be put back" if dry_run else "put back"
    typer.echo(
        f"{event_id} {done} into {p['service']} {p['collection']} {p['document_id']} "
        f"(topic {p['topic']}); the relay publishes it at its next sweep"
    )


def rebuild(
    tenant: str = typer.Argument(..., help="The institution (ub, ubm, ...)."),
    service: str = typer.Argument(..., help="circulation or notifier."),
    bootstrap: str | None = BOOTSTRAP,
    prefix: str = TOPIC_PREFIX,
    as_json: bool = AS_JSON,
) -> None:
    """Rebuild a service's lost database from the compacted topics: with the service stopped,
    set its consumer groups back to the start of the compacted topics it reads (patrons, open
    loans); its offsets on the event streams stay. Then start it (docs/operations.md)."""
    from rebub.rebuild import reset_to_state, service_topology

    server, client = _kafka(bootstrap)
    topics = Topics(prefix)
    try:
        topology = service_topology(check_tenant(tenant, "tenant"), service, topics)
        resets = asyncio.run(reset_to_state(server, topology, topics, **client))
    except Exception as error:
        _fail(error)
    if as_json:
        _print([r.as_json() for r in resets])
        return
    for reset in resets:
        typer.echo(f"{reset.group}: from the start of {', '.join(reset.topics)}")
    typer.echo(f"start {service} of {tenant}: it reads the state back")
