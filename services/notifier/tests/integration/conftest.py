"""The notifier running in-process against the real broker, store and SMTP server.

Events are published on the real topics as circulation and patron-sync would (CloudEvents,
``new_event``); the clock is the development clock (``PUT /_dev/clock``); passes are run with
``POST /_dev/scheduler/run``; letters are read from the SMTP server's folder and the PDF folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from faststream.kafka import KafkaBroker

from notifier.entrypoints.http import create_app
from notifier.service_layer import NotifierBus
from notifier.settings import NotifierSettings, SmtpSettings
from rebub.identity import DevTokens
from rebub.mailbox import LocalMailbox
from rebub.testing.plugin import Namespace
from rebub.testing.tokens import bearer
from rebub.testing.waiting import eventually as eventually
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import EventPayload, new_event
from rebub_shared.contracts.loans import LoanSnapshot
from rebub_shared.contracts.patrons import Contact, IzPatron, PatronChanged, PostalAddress
from rebub_shared.contracts.requests import RequestEvent
from rebub_shared.messaging import make_broker

PARIS = ZoneInfo("Europe/Paris")
LOAN_DAY = date(2026, 11, 2)  # day 0 of every scenario


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """Day `day` after LOAN_DAY at hour:minute, Paris time."""
    current = LOAN_DAY + timedelta(days=day)
    return datetime(current.year, current.month, current.day, hour, minute, tzinfo=PARIS)


def snapshot(
    loan_id: str, patron_id: str, due_day: int, version: int, status: str = "active"
) -> LoanSnapshot:
    """Loan `loan_id` made on day 0, due on `due_day` at 19:00."""
    return LoanSnapshot(
        loan_id=loan_id,
        institution="ub",
        patron_id=patron_id,
        item_barcode=f"B-{loan_id}",
        title=f"Les Misérables, tome {loan_id}",
        library="BUST",
        location="GEN",
        loan_date=at(0, 10),
        due_date=at(due_day, 19),
        original_due_date=at(4, 19),
        status=status,  # type: ignore[arg-type]
        version=version,
    )


def patron_changed(patron_id: str, email: str | None = None) -> PatronChanged:
    address = PostalAddress(lines=["12 rue Sainte-Catherine"], postal_code="33000", city="Bordeaux")
    return PatronChanged(
        patron=IzPatron(
            primary_id=patron_id,
            institution="ub",
            kind="external",
            last_name="Lefèvre",
            first_name="Hélène",
            user_group="student",
            expiry_date=date(2027, 9, 30),
            contact=Contact(emails=[email] if email else [], addresses=[address]),
            barcodes=[],
            version=1,
        )
    )


@dataclass
class Service:
    """One running notifier and its HTTP client."""

    app: Any
    client: httpx.AsyncClient

    @property
    def notifier(self) -> NotifierBus:
        bus: NotifierBus = self.app.state.bus
        return bus

    async def set_clock(self, moment: datetime) -> None:
        response = await self.client.put("/_dev/clock", json={"now": moment.isoformat()})
        response.raise_for_status()

    async def run_pass(self) -> dict[str, Any]:
        response = await self.client.post("/_dev/scheduler/run")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def letters(self, **params: str) -> list[dict[str, Any]]:
        response = await self.client.get("/letters", params=params)
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    async def wait_loan(self, loan_id: str, version: int) -> None:
        async def stored() -> bool:
            loan = await self.notifier.store.get_loan(loan_id)
            return loan is not None and loan.event_version >= version

        await eventually(stored, f"loan {loan_id} v{version} consumed")

    async def wait_patron(self, patron_id: str) -> None:
        async def stored() -> bool:
            return patron_id in await self.notifier.store.patrons([patron_id])

        await eventually(stored, f"patron {patron_id} consumed")


class Harness:
    """Settings, publisher and folders of one test; `service()` starts a notifier (again)."""

    def __init__(
        self,
        namespace: Namespace,
        mailbox: LocalMailbox,
        tmp_path: Path,
        issuer: str,
        tokens: DevTokens,
    ) -> None:
        self.namespace = namespace
        self.tokens = tokens
        self.mailbox = mailbox
        self.letters_dir = tmp_path / "letters"
        self.settings = NotifierSettings(
            tenant="ub",
            environment="test",
            kafka=namespace.kafka(),
            mongo=namespace.mongo(),
            auth=AuthSettings(issuer=issuer),
            smtp=SmtpSettings(
                port=mailbox.port, attempts=2, backoff_initial_s=0.05, backoff_max_s=0.1
            ),
            letters_dir=self.letters_dir,
            scheduler_enabled=False,
            fast_consumers=True,
            consume_loan_state=False,
        )
        self.publisher: KafkaBroker = make_broker(namespace.kafka(), client_id="test-circulation")

    @asynccontextmanager
    async def service(self, now: datetime, **overrides: Any) -> AsyncIterator[Service]:
        """A notifier started at `now` (its lifespan: store, consumers, relay, scheduler)."""
        settings = self.settings.model_copy(update=overrides)
        app = create_app(settings, clock=MovableClock(now))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://notifier",
                headers=bearer(self.tokens.user("ub-manager")),
            ) as client,
        ):
            yield Service(app, client)

    async def publish(
        self, data: EventPayload, moment: datetime, key: str, event_id: str | None = None
    ) -> None:
        """Publish `data` as its producer would, dated `moment` (`event_id`: replay an event)."""
        topics = self.namespace.topics
        if isinstance(data, PatronChanged):
            topic = topics.patron("ub")
        elif isinstance(data, RequestEvent):
            topic = topics.request("ub")
        else:
            topic = topics.loan("ub")
        event = new_event(
            data,
            source="/rebub/ub/test",
            tenant="ub",
            subject=key,
            clock=MovableClock(moment),
            event_id=event_id,
        )
        await self.publisher.publish(
            data.model_dump(mode="json"), topic, key=key.encode(), headers=event.envelope.headers()
        )

    def pdf(self, day: int) -> Path:
        return self.letters_dir / "ub" / f"{(LOAN_DAY + timedelta(days=day)).isoformat()}.pdf"


@pytest.fixture
async def harness(
    namespace: Namespace,
    smtp_server: LocalMailbox,
    tmp_path: Path,
    oidc_issuer: str,
    dev_tokens: DevTokens,
) -> AsyncIterator[Harness]:
    h = Harness(namespace, smtp_server, tmp_path, oidc_issuer, dev_tokens)
    await h.publisher.start()
    try:
        yield h
    finally:
        await h.publisher.stop()


async def walk(
    service: Service,
    harness: Harness,
    events: dict[int, list[tuple[EventPayload, str]]],
    patrons: list[str],
    last_day: int,
) -> list[tuple[int, str, str, str]]:
    """Move the development clock day by day from day 0 to `last_day`: publish the day's events
    (and wait until consumed), run the pass at 09:00; return (day, patron, kind, channel) of
    each letter sent, read from GET /letters."""
    seen: set[str] = set()
    sent: list[tuple[int, str, str, str]] = []
    for day in range(last_day + 1):
        await service.set_clock(at(day, 9))
        for data, key in events.get(day, []):
            await harness.publish(data, at(day, 8, 30), key)
            loan = getattr(data, "loan", None)
            if loan is not None:
                await service.wait_loan(loan.loan_id, loan.version)
        await service.run_pass()
        for patron_id in patrons:
            for letter in await service.letters(patron_id=patron_id):
                if letter["state"] == "sent" and letter["letter_id"] not in seen:
                    seen.add(letter["letter_id"])
                    sent.append((day, patron_id, letter["kind"], letter["channel"]))
    return sent
