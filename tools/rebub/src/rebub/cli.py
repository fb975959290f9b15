"""The ``rebub`` command: the local infrastructure, and (as the services grow) the whole network."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict

import typer

from rebub.infra import InfraError, LocalInfra

app = typer.Typer(
    help="rebub: circulation and patron synchronisation for the Bordeaux library network."
)
infra_app = typer.Typer(
    pretty_exceptions_enable=False,
    help="The embedded local infrastructure: Kafka and FerretDB on 127.0.0.1.",
)
app.add_typer(infra_app, name="infra")


def _fail(error: Exception) -> None:
    typer.secho(f"rebub: {error}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@infra_app.command("up")
def infra_up() -> None:
    """Get (cached), build (cached) and start Kafka and FerretDB; harmless when they run."""
    started = time.monotonic()
    try:
        statuses = LocalInfra.default().up()
    except InfraError as error:
        _fail(error)
        return
    for status in statuses:
        origin = "local" if status.managed else "from the environment"
        typer.echo(f"{status.name:9} ready at {status.address} ({origin})")
    typer.echo(f"ready in {time.monotonic() - started:.1f} s")


@infra_app.command("down")
def infra_down() -> None:
    """Stop the servers rebub started."""
    stopped = LocalInfra.default().down()
    typer.echo(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@infra_app.command("status")
def infra_status(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Say what runs and where."""
    statuses = LocalInfra.default().status()
    if as_json:
        typer.echo(json.dumps([asdict(s) for s in statuses], indent=2))
        return
    for s in statuses:
        state = "running" if s.running else "stopped"
        where = (
            f"pid {s.pid}, log {s.detail}"
            if s.managed and s.pid
            else ("external" if not s.managed else "")
        )
        typer.echo(f"{s.name:9} {state:8} {s.address}  {where}")


@app.command("proof")
def proof() -> None:
    """Show the foundation working: a CloudEvent through Kafka, consumed and stored idempotently."""
    from rebub.proof import run_proof

    infra = LocalInfra.default()
    try:
        report = run_proof(kafka_bootstrap=infra.kafka_bootstrap, mongo_uri=infra.mongo_uri)
    except InfraError as error:
        _fail(error)
        return
    for line in report:
        typer.echo(line)


@app.command("topics")
def topics(
    as_json: bool = typer.Option(False, "--json", help="One reading, machine-readable."),
    prefix: str = typer.Option("", help="Only topics under this prefix (tests use one)."),
    every: float = typer.Option(2.0, help="Seconds between refreshes."),
) -> None:
    """Topic flows for the network team: messages, rate, lag per group, dead letters."""
    import asyncio

    from rebub.flows import sample_with_rates
    from rebub.flows_view import watch

    bootstrap = LocalInfra.default().kafka_bootstrap
    if as_json:
        snapshot = asyncio.run(sample_with_rates(bootstrap, prefix=prefix, interval_s=1.0))
        typer.echo(json.dumps(snapshot.as_json(), indent=2))
        return
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(watch(bootstrap, prefix=prefix, every_s=every))


def main() -> None:
    """Entry point of the ``rebub`` console script."""
    app()
