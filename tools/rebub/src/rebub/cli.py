"""The ``rebub`` command: the local infrastructure, and (as the services grow) the whole network."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import NoReturn

import typer

from rebub.infra import InfraError, LocalInfra
from rebub.recovery_cli import dlq_app, parked_app, rebuild
from rebub_shared.private_files import open_private, private_dir

app = typer.Typer(
    help="rebub: circulation and patron synchronisation for the Bordeaux library network."
)
infra_app = typer.Typer(
    pretty_exceptions_enable=False,
    help="The embedded local infrastructure: Kafka, FerretDB and Keycloak on 127.0.0.1.",
)
app.add_typer(infra_app, name="infra")


def _fail(error: Exception) -> NoReturn:
    typer.secho(f"rebub: {error}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


SECURE_HELP = (
    "Kafka with SASL/SCRAM and the platform's ACLs (one user per tenant, passwords kept in the "
    "state folder); same as REBUB_KAFKA_SECURE=1."
)


def _secure_from(flag: bool) -> None:
    # Through the environment, so `rebub up --detach`'s child process runs in the same mode.
    if flag:
        os.environ["REBUB_KAFKA_SECURE"] = "1"


@infra_app.command("up")
def infra_up(secure: bool = typer.Option(False, "--secure", help=SECURE_HELP)) -> None:
    """Get (cached), build (cached) and start Kafka, FerretDB and Keycloak; harmless when they run."""
    _secure_from(secure)
    started = time.monotonic()
    infra = LocalInfra.default()
    try:
        statuses = infra.up()
    except InfraError as error:
        _fail(error)
        return
    for status in statuses:
        origin = "local" if status.managed else "from the environment"
        typer.echo(f"{status.name:9} ready at {status.address} ({origin})")
    if infra.kafka.secure and not infra.kafka.external:
        typer.echo(
            f"kafka     SASL/SCRAM-SHA-512, one user per tenant and `admin`; passwords in "
            f"{infra.kafka.dir / 'credentials.json'}"
        )
    if infra.keycloak and not infra.keycloak.external:
        typer.echo(
            "keycloak  realm rebub: users such as ub-desk (password ub-desk-dev-password); "
            "`rebub token ub-desk` prints a token"
        )
    typer.echo(f"ready in {time.monotonic() - started:.1f} s")


@infra_app.command("prepare")
def infra_prepare() -> None:
    """Download and build what the servers need (cached), without starting them."""
    started = time.monotonic()
    try:
        prepared = LocalInfra.default().prepare()
    except InfraError as error:
        _fail(error)
        return
    done = f"prepared: {', '.join(prepared)}" if prepared else "everything was prepared already"
    typer.echo(f"{done} ({time.monotonic() - started:.1f} s)")


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


@app.command("token")
def token(
    user: str = typer.Argument("", help="A local user, e.g. ub-desk (development password)."),
    client: str = typer.Option(
        "", "--client", help="A machine client instead, e.g. rebub-demo-ub (development secret)."
    ),
) -> None:
    """Print an access token of the local provider (or REBUB_OIDC_ISSUER's) for a user or client."""
    from rebub.identity import TokenError, dev_client_token, dev_user_token

    if bool(user) == bool(client):
        _fail(ValueError("name a user (rebub token ub-desk) or a client (--client rebub-ops)"))
    try:
        typer.echo(dev_client_token(client) if client else dev_user_token(user))
    except TokenError as error:
        _fail(error)


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
    from rebub.flows import sample_with_rates
    from rebub.flows_view import watch

    infra = LocalInfra.default()
    bootstrap, client = infra.kafka_bootstrap, infra.kafka.running_client_options()
    if as_json:
        snapshot = asyncio.run(
            sample_with_rates(bootstrap, prefix=prefix, interval_s=1.0, **client)
        )
        typer.echo(json.dumps(snapshot.as_json(), indent=2))
        return
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(watch(bootstrap, prefix=prefix, every_s=every, **client))


app.add_typer(dlq_app, name="dlq")
app.add_typer(parked_app, name="parked")
app.command("rebuild")(rebuild)


privacy_app = typer.Typer(help="Personal-data requests (docs/privacy.md).")
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("export")
def privacy_export(
    primary_id: str = typer.Argument(..., help="The person's network primary id."),
    mongo_uri: str | None = typer.Option(None, help="Default: the local store."),
    prefix: str = typer.Option("", help="Only databases under this prefix (tests use one)."),
    as_json: bool = typer.Option(False, "--json", help="The JSON document (default: readable)."),
    letters_dir: Path | None = typer.Option(
        None, help="The notifier's printed letters (default: the local network's)."
    ),
) -> None:
    """Everything held about one person across the zones (GDPR article 15)."""
    from rebub.infra.paths import InfraPaths
    from rebub.privacy_export import gather_person, render
    from rebub_shared.clock import SystemClock

    uri = mongo_uri or LocalInfra.default().mongo_uri
    letters = letters_dir or InfraPaths.default().home / "letters"
    now = SystemClock().now()
    export = asyncio.run(
        gather_person(uri, primary_id, now, database_prefix=prefix, letters_dir=letters)
    )
    typer.echo(json.dumps(export, indent=2, default=str) if as_json else render(export))


@privacy_app.command("erase")
def privacy_erase(
    primary_id: str = typer.Argument(..., help="The person's network primary id."),
    source: str = typer.Option(..., "--source", help="The institution whose feed holds them."),
    token: str = typer.Option(
        "",
        envvar="REBUB_PRIVACY_TOKEN",
        help="The privacy officer's access token (default: the local user <source>-privacy).",
    ),
    url: str = typer.Option("", help="The network zone's patron-sync (default: the local one)."),
    wait: float = typer.Option(30.0, help="Seconds to wait for every service's confirmation."),
) -> None:
    """Erase one person from every zone and service (GDPR article 17), then show the status."""
    import httpx

    from rebub.identity import TokenError, claims, dev_user_token
    from rebub.network import network_plan
    from rebub.privacy_erase import ErasureError, render_status, request_erasure, wait_for_status
    from rebub_shared.tenancy import NETWORK

    try:
        bearer = token or dev_user_token(f"{source}-privacy")
    except TokenError as error:
        _fail(error)
    acting_for = claims(bearer).get("institution")
    if acting_for not in (source, NETWORK):  # checked before anything is erased
        _fail(ErasureError(f"the token acts for {acting_for!r}, not for {source!r}"))
    base = url or network_plan()[0].url
    headers = {"Authorization": f"Bearer {bearer}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
        try:
            answer = request_erasure(client, primary_id)
            typer.echo(f"erasure {answer['request_id']} requested")
            typer.echo(render_status(wait_for_status(client, answer["request_id"], wait)))
        except (ErasureError, httpx.HTTPError) as error:
            _fail(error)


@app.command("up")
def up(
    detach: bool = typer.Option(
        False, "--detach", "-d", help="Run in the background; stop with `rebub down`."
    ),
    timeout: float = typer.Option(180.0, help="Seconds to wait for every service to be ready."),
    secure: bool = typer.Option(False, "--secure", help=SECURE_HELP),
) -> None:
    """Start the whole network: infrastructure, SMTP, patron-sync, circulation, notifier and the
    web desk x 5 (the desks' addresses are printed once every service is ready)."""
    _secure_from(secure)
    from rebub.infra.paths import InfraPaths
    from rebub.supervisor import Supervisor

    home = InfraPaths.default().home
    if detach:
        _up_detached(home, timeout)
        return

    def report(not_ready: list[str]) -> None:
        message = (
            "every service is ready" if not not_ready else f"not ready: {', '.join(not_ready)}"
        )
        typer.secho(
            f"rebub: {message}; Ctrl-C stops everything",
            fg=typer.colors.GREEN if not not_ready else typer.colors.RED,
            err=True,
        )

    try:
        Supervisor(home=home, infra=LocalInfra.default()).run_forever(on_ready=report)
    except InfraError as error:
        _fail(error)


def _up_detached(home: Path, timeout: float) -> None:
    import subprocess
    import sys

    from rebub.infra.process import read_pid
    from rebub.network import desks_line, network_plan
    from rebub.status import ready_now

    log = home / "logs" / "network.log"
    private_dir(log.parent)
    if read_pid(home / "run" / "supervisor.pid") is None:
        with os.fdopen(open_private(log, append=True), "ab") as out:
            subprocess.Popen(
                [sys.executable, "-m", "rebub", "up"],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
    # An instance seen ready counts as ready: on a busy machine one reading of all 21 at once
    # may never come (a probe of a slow instance times out), though each came up.
    plan, seen = network_plan(), set[str]()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1.0)
        seen |= asyncio.run(ready_now([i for i in plan if i.name not in seen]))
        if len(seen) == len(plan):
            typer.echo(f"every service is ready; logs in {log}; stop with `rebub down`")
            typer.echo(desks_line(plan))
            return
        typer.echo(f"waiting: {len(seen)} of {len(plan)} services ready", err=True)
    missing = ", ".join(i.name for i in plan if i.name not in seen)
    _fail(InfraError(f"the network was not ready within {timeout:.0f} s ({missing}); see {log}"))


@app.command("down")
def down() -> None:
    """Stop the network started by `rebub up`, and the local infrastructure."""
    from rebub.infra.paths import InfraPaths
    from rebub.supervisor import stop_running

    stopped = stop_running(InfraPaths.default().home)
    typer.echo("network stopped" if stopped else "no network was running")
    infra_down()


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Every service's URL, health, readiness and consumer lag."""
    from rebub.status import gather_status

    report = asyncio.run(gather_status(LocalInfra.default()))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for s in report["services"]:
        state = "ready" if s["ready"] else ("live" if s["live"] else "down")
        lag = "-" if s["consumer_lag"] is None else s["consumer_lag"]
        typer.echo(f"{s['name']:24} {state:6} {s['url']}  lag {lag}")


#: How long `rebub demo` waits for the network it starts (21 processes: minutes on a busy machine).
NETWORK_START_S = 420.0


@app.command("demo")
def demo(
    accounts: int = typer.Option(600, help="Accounts in each institution's DSI feed."),
    items: int = typer.Option(400, help="Items per institution."),
    borrowers: int = typer.Option(8, help="Patrons linked and borrowing, per institution."),
) -> None:
    """The network at work on synthetic data (starts it if needed), ending with a report."""
    from rich.console import Console

    from rebub.demo.client import DemoError
    from rebub.demo.runner import render, run_demo
    from rebub.infra.paths import InfraPaths
    from rebub.infra.process import read_pid

    infra = LocalInfra.default()
    home = InfraPaths.default().home
    console = Console()
    if read_pid(home / "run" / "supervisor.pid") is None:
        console.print("starting the network (rebub up --detach)...")
    _up_detached(home, NETWORK_START_S)  # waits until every service is ready
    started = time.monotonic()
    try:
        report = asyncio.run(
            run_demo(home, infra, console, accounts=accounts, items=items, borrowers=borrowers)
        )
    except DemoError as error:
        _fail(DemoError(f"the demo stopped after {time.monotonic() - started:.0f} s: {error}"))
        return
    except (Exception, asyncio.CancelledError) as error:  # one sentence, the traceback in a file
        import traceback

        saved = home / "demo" / "error.txt"
        saved.write_text(traceback.format_exc())
        _fail(
            RuntimeError(
                f"the demo stopped on an unexpected {type(error).__name__} ({error}); the "
                f"traceback is in {saved}, the services' lines in {home / 'logs' / 'network.log'}"
            )
        )
        return
    render(report, home, console)
    console.print(
        f"demo finished in {time.monotonic() - started:.0f} s; stop the network with `rebub down`"
    )


@app.command("catalog")
def catalog(
    folder: Path = typer.Option(
        Path("docs/events"), help="Where to write asyncapi.json and catalog.md."
    ),
) -> None:
    """Generate the network's AsyncAPI document and event catalog from the shared contracts."""
    from rebub.catalog import write_catalog

    for path in write_catalog(folder):
        typer.echo(f"wrote {path}")


@app.command("permissions")
def permissions(
    path: Path = typer.Option(Path("docs/permissions.md"), help="Where to write the table."),
) -> None:
    """Generate the role x endpoint table from the services' routes and the permission data."""
    from rebub.permissions_table import write_table

    typer.echo(f"wrote {write_table(path)}")


def _register_service_commands() -> None:
    # The daily import, its pickup and its history are patron-sync's own commands, offered
    # here too: `rebub import-patrons`, `rebub import-pickup`, `rebub imports`.
    from patron_sync.entrypoints.cli import import_patrons, import_pickup, imports_app

    app.command("import-patrons")(import_patrons)
    app.command("import-pickup")(import_pickup)
    app.add_typer(imports_app, name="imports")


_register_service_commands()


def main() -> None:
    """Entry point of the ``rebub`` console script."""
    app()
