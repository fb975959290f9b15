"""A real local SMTP server that keeps what it receives: one ``.eml`` file per message.

Built on aiosmtpd's ``Controller`` (its own thread and event loop), listening on 127.0.0.1. The
notifier's tests send to it through real SMTP; ``rebub up`` can run it for the local network so a
human reads the letters in a folder. Files are written under a temporary name and renamed, so a
reader never sees half a message.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from rebub_shared.private_files import private_dir, write_private


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (for tests that need a fixed port across restarts)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class FolderHandler:
    """aiosmtpd handler: writes each message, as received, into ``folder``."""

    def __init__(self, folder: Path, delay_s: float = 0.0) -> None:
        self.folder = folder
        self.delay_s = delay_s  # tests slow the server down to stop a sender mid-run

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        content: bytes = envelope.original_content or b""
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.folder / f".{name}.part"
        write_private(partial, content)
        partial.rename(self.folder / name)
        return "250 Message accepted for delivery"


class LocalMailbox:
    """An SMTP server on ``host:port`` writing received messages into ``folder``.

    Use as a context manager, or ``start()`` / ``stop()`` (it can be started again on the same
    port, e.g. to test a sender while the server is down).
    """

    def __init__(
        self,
        folder: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        delay_s: float = 0.0,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.folder = folder
        self.host = host
        self.port = port or free_port(host)
        self.handler = FolderHandler(folder, delay_s)
        self.login = login  # (username, password) the server then requires (AUTH, no TLS)
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> LocalMailbox:
        """Listen (idempotent); create the folder if needed."""
        if self._controller is None:
            private_dir(self.folder)
            auth: dict[str, Any] = (
                {
                    "auth_required": True,
                    "auth_require_tls": False,
                    "authenticator": self._check,
                }
                if self.login
                else {}
            )
            controller = Controller(self.handler, hostname=self.host, port=self.port, **auth)
            controller.start()
            self._controller = controller
        return self

    def _check(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if data else None
        return AuthResult(success=given == self.login, handled=False)  # False: answer 535

    def stop(self) -> None:
        """Stop listening (idempotent); received messages stay in the folder."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def files(self) -> list[Path]:
        """The received messages' files, oldest first."""
        return sorted(self.folder.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        """The received messages, parsed, oldest first."""
        return [read_message(path) for path in self.files()]

    def __enter__(self) -> LocalMailbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def read_message(path: Path) -> EmailMessage:
    """Parse one ``.eml`` file with the modern email policy."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message
