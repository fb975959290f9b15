"""Server-side sessions: the cookie holds a random id, the tokens stay at the desk.

A session is kept as a document keyed by the SHA-256 of its id (the id itself is never stored:
whoever reads the store cannot replay a cookie), with the staff member's tokens, who they are,
the login in progress, the desk chosen and the CSRF token. A session unused for ``idle_s`` is
gone: its expiry moves on with use (written at most once a minute) and a read past it finds
nothing. :class:`MemorySessions` keeps the documents in a dict (unit tests);
:class:`desk.adapters.mongo_sessions.MongoSessions` in the desk's store.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rebub_shared.auth.tokens import Principal
from rebub_shared.clock import Clock
from rebub_shared.permissions import Permission

from .oidc import LoginStart, Tokens

Document = dict[str, Any]
#: An expiry is pushed back only when it is older than this (one write a minute at most).
TOUCH_EVERY = timedelta(seconds=60)
#: Expired sessions are purged (for a store without TTL index) at most this often.
PURGE_EVERY = timedelta(minutes=5)


@dataclass
class Session:
    """One browser's session at the desk."""

    sid: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    login: LoginStart | None = None
    tokens: Tokens | None = None
    principal: Principal | None = None
    desk: str | None = None
    desk_name: str | None = None
    # The desk session id circulation groups a check-out's loans by (one per patron served).
    desk_session: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def logged_in(self) -> bool:
        return self.tokens is not None and self.principal is not None


def session_key(sid: str) -> str:
    """What the store keeps of a session id: its SHA-256 (hex)."""
    return hashlib.sha256(sid.encode()).hexdigest()


def to_document(session: Session) -> Document:
    """The session as stored (without its id and expiry)."""
    principal = session.principal
    return {
        "csrf": session.csrf,
        "login": asdict(session.login) if session.login else None,
        "tokens": asdict(session.tokens) if session.tokens else None,
        "principal": None
        if principal is None
        else {
            "operator": principal.operator,
            "institution": principal.institution,
            "roles": sorted(principal.roles),
            "permissions": sorted(principal.permissions),
        },
        "desk": session.desk,
        "desk_name": session.desk_name,
        "desk_session": session.desk_session,
    }


def from_document(sid: str, doc: Document) -> Session:
    """The session ``sid`` from its stored document."""
    login, tokens, principal = doc.get("login"), doc.get("tokens"), doc.get("principal")
    return Session(
        sid,
        csrf=doc["csrf"],
        login=LoginStart(**login) if login else None,
        tokens=Tokens(**tokens) if tokens else None,
        principal=None
        if principal is None
        else Principal(
            principal["operator"],
            principal["institution"],
            frozenset(principal["roles"]),
            frozenset(Permission(p) for p in principal["permissions"]),
        ),
        desk=doc.get("desk"),
        desk_name=doc.get("desk_name"),
        desk_session=doc["desk_session"],
    )


@dataclass
class SessionStore:
    """The sessions' rules over a place to keep documents (the ``_`` methods of an adapter)."""

    idle_s: float
    clock: Clock
    _purged_at: datetime | None = field(default=None, init=False, repr=False)

    async def new(self) -> Session:
        """A new session, kept at once (its id is random: 256 bits)."""
        now = self.clock.now()
        if self._purged_at is None or now - self._purged_at > PURGE_EVERY:
            self._purged_at = now
            await self._purge(now)
        session = Session(secrets.token_urlsafe(32))
        await self._insert(session_key(session.sid), to_document(session), self._expiry(now))
        return session

    async def get(self, sid: str | None) -> Session | None:
        """The session of the cookie ``sid``, unless unknown or expired (its expiry moved on)."""
        if not sid:
            return None
        key, now = session_key(sid), self.clock.now()
        doc = await self._find(key)
        if doc is None or doc["expires_at"] <= now:
            return None
        if self._expiry(now) - doc["expires_at"] > TOUCH_EVERY:
            await self._update(key, None, self._expiry(now))
        return from_document(sid, doc)

    async def save(self, session: Session) -> None:
        """Keep what changed in ``session`` (a session dropped meanwhile stays dropped)."""
        await self._update(session_key(session.sid), to_document(session), self._expiry())

    async def drop(self, sid: str) -> None:
        await self._delete(session_key(sid))

    def _expiry(self, now: datetime | None = None) -> datetime:
        return (now or self.clock.now()) + timedelta(seconds=self.idle_s)

    async def _find(self, key: str) -> Document | None:
        raise NotImplementedError

    async def _insert(self, key: str, doc: Document, expires_at: datetime) -> None:
        raise NotImplementedError

    async def _update(self, key: str, doc: Document | None, expires_at: datetime) -> None:
        """Replace the session's document (``None``: its expiry only); nothing if it is gone."""
        raise NotImplementedError

    async def _delete(self, key: str) -> None:
        raise NotImplementedError

    async def _purge(self, now: datetime) -> None:
        """Remove the sessions expired before ``now``."""
        raise NotImplementedError


@dataclass
class MemorySessions(SessionStore):
    """The sessions in a dict of this process (unit tests, the bench)."""

    documents: dict[str, Document] = field(default_factory=dict)

    async def _find(self, key: str) -> Document | None:
        found = self.documents.get(key)
        return None if found is None else dict(found)

    async def _insert(self, key: str, doc: Document, expires_at: datetime) -> None:
        self.documents[key] = doc | {"expires_at": expires_at}

    async def _update(self, key: str, doc: Document | None, expires_at: datetime) -> None:
        if key in self.documents:
            self.documents[key] = (doc or self.documents[key]) | {"expires_at": expires_at}

    async def _delete(self, key: str) -> None:
        self.documents.pop(key, None)

    async def _purge(self, now: datetime) -> None:
        for key in [k for k, d in self.documents.items() if d["expires_at"] <= now]:
            del self.documents[key]
