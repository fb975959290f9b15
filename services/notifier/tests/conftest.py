"""Fixtures of every notifier test: a real local SMTP server writing messages to a folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rebub.mailbox import LocalMailbox


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[LocalMailbox]:
    """An aiosmtpd server on 127.0.0.1 (a free port) keeping each message as a .eml file;
    `stop()` and `start()` it again on the same port to play an SMTP outage."""
    with LocalMailbox(tmp_path / "mailbox") as mailbox:
        yield mailbox
