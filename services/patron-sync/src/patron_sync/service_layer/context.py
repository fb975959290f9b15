"""What every institution zone handler is given besides its command and unit of work."""

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import AwareDatetime


@dataclass(frozen=True)
class Context:
    """The service's clock (``now`` is read once per attempt of a command)."""

    now: Callable[[], AwareDatetime]
