"""Local files that hold personal data or secrets: folders 0700, files 0600, from their creation.

The local servers' data (Kafka's logs, FerretDB's SQLite files), the development mailbox, the
printed letters and the broker's credentials hold patrons' names and addresses or passwords. A
file is created with its private mode (``os.open`` with 0600: the umask can only take bits away),
never written first and restricted after, so there is no moment when another user can read it.
Servers we start run under umask 077, so what they create is private too.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders; make an existing one 0700."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)
    return path


def open_private(path: Path, *, append: bool = False) -> int:
    """A file descriptor on ``path`` opened for writing, created 0600 (an existing file is made
    0600 before anything is written)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    return fd


def write_private(path: Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path``, a 0600 file from its creation."""
    data = content.encode() if isinstance(content, str) else content
    with os.fdopen(open_private(path), "wb") as out:
        out.write(data)
    return path
