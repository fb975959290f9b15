"""What every handler is given besides its command and unit of work: the institution zone's
``Context``, the network zone's ``NetworkContext`` (the clock and the import's settings)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import AwareDatetime

from patron_sync.domain.absence import ABSENT_PURGE, AbsencePolicy
from rebub_shared.retention import Period


@dataclass(frozen=True)
class Context:
    """The service's clock (``now`` is read once per attempt of a command)."""

    now: Callable[[], AwareDatetime]


@dataclass(frozen=True)
class ImportOptions:
    """Import settings (see :class:`patron_sync.settings.PatronSyncSettings`)."""

    batch_size: int = 1000
    full_feed_min_ratio: float = 0.8
    absence: AbsencePolicy = field(default_factory=AbsencePolicy)
    purge_after: Period = ABSENT_PURGE


@dataclass(frozen=True)
class NetworkContext:
    """The network zone's clock (read once per import) and its import settings."""

    now: Callable[[], AwareDatetime]
    options: ImportOptions = field(default_factory=ImportOptions)
