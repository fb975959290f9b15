"""The desk's sessions: one contract run on both adapters (in memory, and the real store), and
the desk itself on the real store: a session outlives the app instance that opened it (a restart,
or another replica) and ends after its idle time, in a later instance too."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from desk.adapters.mongo_sessions import SESSIONS, MongoSessions
from desk.adapters.oidc import Tokens
from desk.adapters.sessions import MemorySessions, SessionStore
from desk.entrypoints.http import create_app
from desk.entrypoints.web import COOKIE
from desk.settings import DeskSettings
from rebub.testing.plugin import Namespace
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.auth.tokens import Principal
from rebub_shared.clock import MovableClock
from rebub_shared.mongo import database_name, is_ferretdb
from rebub_shared.permissions import Permission, permissions_of

pytestmark = pytest.mark.integration

MON_5_OCT_0900 = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)  # 09:00 in Paris
EIGHT_HOURS = 8 * 3600
Documents = AsyncMongoClient[dict[str, Any]]


@pytest.fixture(params=["memory", "mongo"])
async def store(
    request: pytest.FixtureRequest, namespace: Namespace, mongo_client: Documents
) -> AsyncIterator[tuple[SessionStore, MovableClock]]:
    clock = MovableClock(MON_5_OCT_0900)
    if request.param == "memory":
        yield MemorySessions(EIGHT_HOURS, clock), clock
        return
    db = mongo_client[database_name(namespace.mongo(), "ub", "desk")]
    sessions = MongoSessions(EIGHT_HOURS, clock, db)
    await sessions.ensure_indexes()
    yield sessions, clock


def logged_in_as_desk(session: Any) -> None:
    roles = ("desk-operator",)
    session.tokens = Tokens("access-token", "refresh-token", "id-token", time.time() + 600)
    session.principal = Principal("ub-desk", "ub", frozenset(roles), permissions_of(roles, "ub"))
    session.desk, session.desk_name = "BUST-PRET", "Banque de prêt et retour"


async def test_a_session_is_kept_whole_and_ends_after_eight_idle_hours(
    store: tuple[SessionStore, MovableClock],
) -> None:
    sessions, clock = store
    session = await sessions.new()
    logged_in_as_desk(session)
    await sessions.save(session)

    clock.set(datetime(2026, 10, 5, 10, 0, tzinfo=UTC))  # used at 12:00: kept until 20:00
    found = await sessions.get(session.sid)
    assert found == session
    assert found is not None
    assert found.principal is not None
    assert found.principal.can(Permission.LOANS_CHECKOUT)
    clock.set(datetime(2026, 10, 5, 17, 59, tzinfo=UTC))  # 19:59: still there
    assert await sessions.get(session.sid) == session
    clock.set(datetime(2026, 10, 6, 2, 0, tzinfo=UTC))  # Tuesday 04:00, 8 h 1 min after 19:59
    assert await sessions.get(session.sid) is None
    assert await sessions.get("not-a-session") is None


async def test_a_session_dropped_stays_dropped(store: tuple[SessionStore, MovableClock]) -> None:
    sessions, _ = store
    session = await sessions.new()
    await sessions.drop(session.sid)
    logged_in_as_desk(session)
    await sessions.save(session)  # a request still running when the staff member logged out
    assert await sessions.get(session.sid) is None


async def test_only_a_hash_of_the_id_is_stored_and_expired_sessions_are_purged(
    namespace: Namespace, mongo_client: Documents
) -> None:
    clock = MovableClock(MON_5_OCT_0900)
    db = mongo_client[database_name(namespace.mongo(), "ub", "desk")]
    sessions = MongoSessions(EIGHT_HOURS, clock, db)
    await sessions.ensure_indexes()
    old = await sessions.new()
    logged_in_as_desk(old)
    await sessions.save(old)

    [stored] = await db[SESSIONS].find().to_list()
    assert stored["_id"] == hashlib.sha256(old.sid.encode()).hexdigest()
    assert old.sid not in str(stored)
    assert stored["tokens"]["refresh_token"] == "refresh-token"  # the tokens stay server-side
    indexes = await db[SESSIONS].index_information()
    ttl = [i for i in indexes.values() if i.get("expireAfterSeconds") == 0]
    assert len(ttl) == (0 if await is_ferretdb(db) else 1)  # FerretDB v1 has no TTL index

    clock.set(datetime(2026, 10, 5, 15, 1, tzinfo=UTC))  # 17:01, 8 h and a minute later
    new = await sessions.new()  # purges what expired (the store may have no TTL index)
    kept = await db[SESSIONS].find().to_list()
    assert [d["_id"] for d in kept] == [hashlib.sha256(new.sid.encode()).hexdigest()]


def desk_settings(namespace: Namespace) -> DeskSettings:
    return DeskSettings(
        tenant="ub",
        environment="test",
        mongo=namespace.mongo(),
        auth=AuthSettings(issuer="http://idp.invalid/realms/rebub"),
        public_url="http://desk.test",
        client_secret="s3cret",
        secure_cookies=False,
    )


async def test_a_session_outlives_its_app_instance_and_expires(namespace: Namespace) -> None:
    settings = desk_settings(namespace)
    clock = MovableClock(MON_5_OCT_0900)

    first = create_app(settings, clock=clock)
    async with first.router.lifespan_context(first):
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk.test") as client:
            started = await client.get("/connexion")  # the login starts: a session, its cookie
            sid = started.cookies[COOKIE]
            session = await first.state.desk.sessions.get(sid)
            logged_in_as_desk(session)  # as the provider's answer would leave it
            await first.state.desk.sessions.save(session)
            assert (await client.get("/lecteur")).status_code == 200

    later = create_app(settings, clock=clock)  # a restart, or the other replica
    async with later.router.lifespan_context(later):
        transport = httpx.ASGITransport(app=later)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://desk.test", cookies={COOKIE: sid}
        ) as client:
            screen = await client.get("/lecteur")
            assert screen.status_code == 200
            assert "Banque de prêt et retour" in screen.text  # the desk chosen is kept too
            clock.advance(timedelta(hours=8, minutes=1))  # nobody used it since
            gone = await client.get("/lecteur")
            assert (gone.status_code, gone.headers["location"]) == (303, "/connexion")
