"""A sixth institution added as data starts and lends (issue 15): a network file naming ``bxa``
beside the five, its circulation policy file, and its users in the realm; no code changes.

Its patron-sync, circulation and notifier, and the network zone's patron-sync, run on the real
broker, store and identity provider: the network imports bxa's DSI feed, a bxa desk links a patron
on first use, circulation learns the patron from ``bxa.patron.v1`` and lends an item, the notifier
learns the loan and emails its receipt signed by the sixth institution.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from circulation.domain.policies import DEFAULT_POLICIES_DIR
from circulation.entrypoints.http import create_app as circulation_app
from circulation.settings import CirculationSettings
from notifier.entrypoints.http import create_app as notifier_app
from notifier.settings import NotifierSettings, SmtpSettings
from patron_sync.entrypoints.http import create_app as patron_sync_app
from patron_sync.settings import PatronSyncSettings
from rebub.demo.feeds import write_csv_feed
from rebub.deploy.acl import acl_tuples
from rebub.identity import DevTokens
from rebub.mailbox import LocalMailbox
from rebub.testing.plugin import Namespace
from rebub.testing.realm_users import add_institution_users
from rebub.testing.tokens import FeedLoaderAuth, TokenAuth
from rebub.testing.waiting import eventually
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock
from rebub_shared.tenancy import (
    DEFAULT_NETWORK_FILE,
    NETWORK_FILE_ENV,
    forget_network,
    institution_codes,
)
from rebub_shared.topics import Topics

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # a Thursday, 10:00 in Paris: the library is open
BXA = """
[[institutions]]
code = "bxa"
name = "Bordeaux Archi Test"
renewal_period_days = 7
suspension_after_late_return = true
feed_user_groups = ["L", "M", "D", "PERSONNEL", "ENSEIGNANT"]
address = { lines = ["740 cours de la Libération"], postcode = "33400", city = "Talence" }
"""


@pytest.fixture
def bxa_policies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oidc_issuer: str
) -> Iterator[Path]:
    """The network file with bxa, bxa's policy file (inp's rules under its own name) beside the
    five shipped ones in a folder
    of its own, and bxa's users in the realm; the shipped network file again afterwards."""
    network = tmp_path / "network.toml"
    network.write_text(DEFAULT_NETWORK_FILE.read_text(encoding="utf-8") + BXA, encoding="utf-8")
    policies = tmp_path / "policies"
    policies.mkdir()
    inp = (DEFAULT_POLICIES_DIR / "inp.yaml").read_text(encoding="utf-8")
    bxa = inp.replace("institution: inp", "institution: bxa").replace(
        "name: Bordeaux INP", "name: Bordeaux Archi Test"
    )
    (policies / "bxa.yaml").write_text(bxa, encoding="utf-8")
    for shipped in DEFAULT_POLICIES_DIR.glob("*.yaml"):  # the folder of a six-institution network
        (policies / shipped.name).write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(NETWORK_FILE_ENV, str(network))
    # Where the deploy generators, which build each service's spec, find bxa's policy.
    monkeypatch.setenv("REBUB_CIRCULATION__POLICIES_DIR", str(policies))
    forget_network()
    add_institution_users(oidc_issuer, "bxa")
    yield policies
    monkeypatch.delenv(NETWORK_FILE_ENV)
    forget_network()


@asynccontextmanager
async def serving(app: FastAPI, name: str, auth: httpx.Auth) -> AsyncIterator[httpx.AsyncClient]:
    """The app's lifespan running, and an HTTP client on it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{name}", auth=auth
        ) as client:
            yield client


async def test_a_sixth_institution_added_as_data_links_a_patron_and_lends(
    namespace: Namespace,
    bxa_policies: Path,
    oidc_issuer: str,
    dev_tokens: DevTokens,
    tmp_path: Path,
) -> None:
    assert institution_codes()[-1] == "bxa"
    # The broker's users and rights are generated for the configured institutions.
    bxa_rules = acl_tuples()
    assert ("User:bxa", "topic", "literal", Topics().loan("bxa"), "Write", "allow") in bxa_rules
    assert ("User:bxa", "group", "literal", "bxa.circulation.patrons", "Read", "allow") in bxa_rules
    common: dict[str, Any] = {
        "environment": "test",
        "kafka": namespace.kafka(),
        "mongo": namespace.mongo(),
        "auth": AuthSettings(issuer=oidc_issuer),
        "fast_consumers": True,
    }
    clock = MovableClock(NOW)
    feed = write_csv_feed(tmp_path / "bxa.csv", 5, "bxa", seed=6)
    manager = TokenAuth(dev_tokens, "bxa-manager")
    with LocalMailbox(tmp_path / "mailbox") as mailbox:
        async with AsyncExitStack() as stack:
            network, patrons, desk, letters = await asyncio.gather(
                stack.enter_async_context(
                    serving(
                        patron_sync_app(PatronSyncSettings(tenant="network", **common), clock),
                        "network",
                        FeedLoaderAuth(dev_tokens),  # the upload as bxa-feed-admin
                    )
                ),
                stack.enter_async_context(
                    serving(
                        patron_sync_app(PatronSyncSettings(tenant="bxa", **common), clock),
                        "patron-sync",
                        manager,
                    )
                ),
                stack.enter_async_context(
                    serving(
                        circulation_app(
                            CirculationSettings(
                                tenant="bxa",
                                policies_dir=bxa_policies,
                                consume_network_activity=False,
                                jobs_enabled=False,
                                relay_interval_s=0.1,
                                **common,
                            ),
                            clock,
                        ),
                        "circulation",
                        manager,
                    )
                ),
                stack.enter_async_context(
                    serving(
                        notifier_app(
                            NotifierSettings(
                                tenant="bxa",
                                smtp=SmtpSettings(port=mailbox.port),
                                letters_dir=tmp_path / "letters",
                                scheduler_enabled=False,
                                **common,
                            ),
                            clock=clock,
                        ),
                        "notifier",
                        manager,
                    )
                ),
            )

            imported = await network.post(
                "/imports",
                params={"source": "bxa"},
                files={"file": ("bxa.csv", feed.path.read_bytes(), "text/csv")},
            )
            assert imported.status_code == 200, imported.text
            assert imported.json()["created"] == 5
            pid = "BXA-0000001"

            async def linked() -> httpx.Response | None:  # once bxa's NZ projection has it
                answer = await patrons.get(f"/patrons/{pid}")
                return answer if answer.status_code == 200 else None

            patron = (await eventually(linked, f"{pid} linked in bxa")).json()
            assert patron["tenant"] == "bxa"

            items = {
                "items": [
                    {
                        "barcode": "BXA00000001",
                        "title": "Architecture du Bordeaux classique",
                        "library": "ENSEIRB",
                        "location": "ENSEIRB-LA",
                    }
                ]
            }
            loaded = await desk.post("/items", json=items)
            assert loaded.status_code == 200, loaded.text
            headers = {"X-Desk": "ENSEIRB-PRET"}

            async def lent() -> httpx.Response | None:  # once circulation has the patron
                answer = await desk.post(
                    "/loans", json={"patron": pid, "item_barcode": "BXA00000001"}, headers=headers
                )
                return answer if answer.status_code == 201 else None

            loan = (await eventually(lent, f"a loan to {pid} in bxa")).json()["loan"]
            assert (loan["patron_id"], loan["item_barcode"], loan["circ_desk"]) == (
                pid,
                "BXA00000001",
                "ENSEIRB-PRET",
            )

            async def receipt() -> httpx.Response | None:  # once the notifier has the loan
                answer = await letters.post(f"/loans/{loan['loan_id']}/receipt")
                return answer if answer.status_code == 201 else None

            sent = (await eventually(receipt, "the receipt of the bxa loan")).json()
            assert (sent["patron_id"], sent["channel"], sent["state"]) == (pid, "email", "sent")
        [message] = mailbox.messages()
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        assert "Bordeaux Archi Test" in body.get_content()
