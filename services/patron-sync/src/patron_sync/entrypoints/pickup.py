"""The scheduled pickup of the DSI feeds from a drop folder (a CronJob in production, the same
``patron-sync import-pickup`` / ``rebub import-pickup`` command locally).

Each DSI drops its daily file in ``<folder>/<institution>/`` (``.xml`` Alma users, or ``.csv``).
Files are taken oldest first; a file whose content was already applied (same checksum in the
history) is not imported again. An imported file moves to ``done/``, a refused one to
``refused/`` (its reason is in the history), so the folder holds only what is still to do.
"""

from dataclasses import dataclass
from pathlib import Path

from patron_sync.adapters.feeds.feed import fingerprint
from patron_sync.domain.absence import ImportMode
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.entrypoints.instance import PatronSync
from patron_sync.service_layer.commands import ImportFeed
from rebub_shared.tenancy import institution_codes

FEED_SUFFIXES = (".xml", ".csv")
PICKUP = "drop-folder pickup"


@dataclass(frozen=True)
class PickedUp:
    """What the pickup did with one file."""

    source: str
    file_name: str
    outcome: str  # "applied", "refused" or "already applied"
    detail: str


def waiting_files(folder: Path, source: str) -> list[Path]:
    """The feed files waiting in ``source``'s drop folder, oldest first."""
    inbox = folder / source
    if not inbox.is_dir():
        return []
    files = [p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in FEED_SUFFIXES]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def _move(path: Path, to: str) -> None:
    target = path.parent / to
    target.mkdir(exist_ok=True)
    path.rename(target / path.name)


async def pick_up(service: PatronSync, folder: Path, mode: ImportMode) -> list[PickedUp]:
    """Import every waiting file of every institution, oldest first, and move it aside."""
    done: list[PickedUp] = []
    for source in institution_codes():
        applied = {
            e.checksum
            for e in await service.history.latest(source, limit=200)
            if e.outcome == "applied"
        }
        for path in waiting_files(folder, source):
            if fingerprint(path)[0] in applied:
                _move(path, "done")
                done.append(PickedUp(source, path.name, "already applied", ""))
                continue
            command = ImportFeed(path, source, mode, file_name=path.name, uploaded_by=PICKUP)
            try:
                report = await service.import_feed(command)
            except FeedRefusedError as error:
                _move(path, "refused")
                done.append(PickedUp(source, path.name, "refused", str(error)))
                continue
            _move(path, "done")
            counts = f"received {report.received}, rejected {len(report.rejected)}"
            done.append(PickedUp(source, path.name, "applied", counts))
    return done
