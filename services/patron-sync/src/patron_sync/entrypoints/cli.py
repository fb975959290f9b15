"""``patron-sync import-patrons FILE --source ub [--mode full|delta]``: the daily import;
``import-pickup FOLDER`` (the daily CronJob); ``imports list|show|check``: the history."""

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from patron_sync.adapters.mongo_history import MongoImportHistory
from patron_sync.bootstrap import build, instance_spec
from patron_sync.domain.absence import ImportMode
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.import_history import missing_feeds
from patron_sync.domain.import_report import ImportReport
from patron_sync.entrypoints.pickup import PickedUp, pick_up
from patron_sync.service_layer.commands import ImportFeed
from patron_sync.settings import PatronSyncSettings
from rebub_shared import host
from rebub_shared.tenancy import NETWORK, UnknownTenantError, check_institution, institution_codes

T = TypeVar("T")

app = typer.Typer(help="patron-sync: DSI feed imports into the network zone.")


def report_lines(report: ImportReport) -> list[str]:
    """The import report as printed: the counts, then one line per reject."""
    counts = (
        f"received {report.received}, created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}, rejected {len(report.rejected)}, absent {report.absent}"
    )
    return [counts, *(f"  rejected {r.line()}" for r in report.rejected)]


def _institution(value: str) -> str:
    try:
        return check_institution(value, "--source")
    except UnknownTenantError as error:
        raise typer.BadParameter(str(error)) from None


async def _run(command: ImportFeed) -> ImportReport:
    service = build(PatronSyncSettings(tenant=NETWORK))
    async with host.run(instance_spec(service)):
        return await service.import_feed(command)


def _operator() -> str:
    """Who runs a command-line import, for the history: the system user."""
    return f"command line ({getpass.getuser()})"


@app.command("import-patrons")
def import_patrons(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[
        str, typer.Option(help="The institution whose DSI sent it.", callback=_institution)
    ],
    mode: Annotated[ImportMode, typer.Option()] = ImportMode.FULL,
    force: Annotated[
        bool, typer.Option(help="Accept a full feed much smaller than the last.")
    ] = False,
) -> None:
    """Import one DSI feed (Alma user XML or CSV) into the network zone."""
    try:
        command = ImportFeed(file, source, mode, force, uploaded_by=_operator())
        report = asyncio.run(_run(command))
    except FeedRefusedError as error:
        typer.echo(f"refused, nothing applied: {error}", err=True)
        raise typer.Exit(2) from None
    for line in report_lines(report):
        typer.echo(line)


@app.command("import-pickup")
def import_pickup(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
    mode: Annotated[ImportMode, typer.Option()] = ImportMode.FULL,
) -> None:
    """Import the feeds waiting in FOLDER/<institution>/ (the daily CronJob), oldest first."""

    async def run() -> list[PickedUp]:
        service = build(PatronSyncSettings(tenant=NETWORK))
        async with host.run(instance_spec(service)):
            return await pick_up(service, folder, mode)

    picked = asyncio.run(run())
    for p in picked:
        typer.echo(f"{p.source:5} {p.file_name}: {p.outcome}{f' ({p.detail})' if p.detail else ''}")
    if not picked:
        typer.echo("no feed waiting")


imports_app = typer.Typer(help="The history of the DSI imports, and the missing-feed check.")
app.add_typer(imports_app, name="imports")


async def _with_history(read: Callable[[MongoImportHistory], Awaitable[T]]) -> T:
    service = build(PatronSyncSettings(tenant=NETWORK))
    try:
        return await read(service.history)
    finally:
        await service.runtime.db.client.close()


@imports_app.command("list")
def imports_list(
    source: Annotated[str | None, typer.Option(help="One institution.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False,
) -> None:
    """The latest imports, newest first: file, checksum, who, counts."""
    chosen = _institution(source) if source else None
    entries = asyncio.run(_with_history(lambda h: h.latest(chosen, limit)))
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    for e in entries:
        counts = e.refusal if e.report is None else report_lines(e.report)[0]
        typer.echo(f"{e.id} {e.source:5} {e.mode:5} {e.file_name} by {e.uploaded_by}: {counts}")
    if not entries:
        typer.echo("no import")


@imports_app.command("show")
def imports_show(import_id: Annotated[str, typer.Argument()]) -> None:
    """One import whole, every reject with its record number and reason."""
    entry = asyncio.run(_with_history(lambda h: h.get(import_id)))
    if entry is None:
        typer.echo(f"no import {import_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(entry.model_dump(mode="json"), indent=2))


@imports_app.command("check")
def imports_check() -> None:
    """Exit 1 naming the sources that have sent no feed for a day (the missing-feed rule)."""
    last = asyncio.run(_with_history(lambda h: h.last_received()))
    missing = missing_feeds(last, institution_codes(), datetime.now(UTC))
    for source in institution_codes():
        state = "MISSING" if source in missing else "ok"
        typer.echo(f"{source:5} {state:7} last feed {last.get(source, 'never')}")
    if missing:
        raise typer.Exit(1)


@app.command("version", hidden=True)
def version() -> None:
    """Show the version."""
    typer.echo("patron-sync 0.1.0")


def main() -> None:
    """Console script entry point."""
    app()
