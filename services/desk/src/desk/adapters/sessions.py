"""Server-side sessions: the cookie holds a random id, the tokens stay in the desk's memory.

One process keeps its own sessions (a restart logs everyone out; several replicas need sticky
sessions, see docs/desk.md). Idle sessions are forgotten after ``idle_s``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rebub_shared.auth.tokens import Principal

from .oidc import LoginStart, Tokens


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
    used_at: float = field(default_factory=time.monotonic)

    @property
    def logged_in(self) -> bool:
        return self.tokens is not None and self.principal is not None


@dataclass
class SessionStore:
    idle_s: float
    monotonic: Callable[[], float] = time.monotonic
    _sessions: dict[str, Session] = field(default_factory=dict)

    def new(self) -> Session:
        self._forget_idle()
        session = Session(secrets.token_urlsafe(32), used_at=self.monotonic())
        self._sessions[session.sid] = session
        return session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        session = self._sessions.get(sid)
        if session is None or self.monotonic() - session.used_at > self.idle_s:
            self._sessions.pop(sid, None)
            return None
        session.used_at = self.monotonic()
        return session

    def drop(self, sid: str) -> None:
        self._sessions.pop(sid, None)

    def _forget_idle(self) -> None:
        now = self.monotonic()
        for sid in [s.sid for s in self._sessions.values() if now - s.used_at > self.idle_s]:
            del self._sessions[sid]
