"""``patron-sync import-patrons FILE --source ub [--mode full|delta]``: the daily import."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from patron_sync.bootstrap import build, instance_spec
from patron_sync.domain.absence import ImportMode
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.import_report import ImportReport
from patron_sync.domain.institutions import Institution
from patron_sync.service_layer.commands import ImportFeed
from patron_sync.settings import PatronSyncSettings
from rebub_shared import host
from rebub_shared.tenancy import NETWORK

app = typer.Typer(help="patron-sync: DSI feed imports into the network zone.")


def report_lines(report: ImportReport) -> list[str]:
    """The import report as printed: the counts, then one line per reject."""
    counts = (
        f"received {report.received}, created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}, rejected {len(report.rejected)}, absent {report.absent}"
    )
    return [counts, *(f"  rejected {r.line()}" for r in report.rejected)]


async def _run(command: ImportFeed) -> ImportReport:
    service = build(PatronSyncSettings(tenant=NETWORK))
    async with host.run(instance_spec(service)):
        return await service.import_feed(command)


@app.command("import-patrons")
def import_patrons(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[Institution, typer.Option(help="The institution whose DSI sent it.")],
    mode: Annotated[ImportMode, typer.Option()] = ImportMode.FULL,
    force: Annotated[
        bool, typer.Option(help="Accept a full feed much smaller than the last.")
    ] = False,
) -> None:
    """Import one DSI feed (Alma user XML or CSV) into the network zone."""
    try:
        report = asyncio.run(_run(ImportFeed(file, source, mode, force)))
    except FeedRefusedError as error:
        typer.echo(f"refused, nothing applied: {error}", err=True)
        raise typer.Exit(2) from None
    for line in report_lines(report):
        typer.echo(line)


@app.command("version", hidden=True)
def version() -> None:
    """Show the version."""
    typer.echo("patron-sync 0.1.0")


def main() -> None:
    """Console script entry point."""
    app()
