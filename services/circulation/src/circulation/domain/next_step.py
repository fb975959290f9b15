"""Where a returned item goes next: reshelve, transit to its library, or the hold shelf."""

from __future__ import annotations

from typing import Literal

from .item import Item
from .values import ValueModel

NextStepKind = Literal["reshelve", "transit", "hold_shelf"]


class NextStep(ValueModel):
    """The next step shown on a return line; ``library``/``location`` say where to."""

    kind: NextStepKind
    library: str
    location: str | None = None

    def describe(self) -> str:
        """Words for the return line."""
        if self.kind == "reshelve":
            return f"reshelve at {self.library}/{self.location}"
        if self.kind == "transit":
            return f"transit to {self.library}"
        return f"hold shelf at {self.library}"


def next_step_after_return(
    item: Item, returned_at_library: str, request_pickup_library: str | None = None
) -> NextStep:
    """The next step for an item returned at a desk of ``returned_at_library``.

    Hook for requests: when the request queue has a waiting request, pass its pickup library;
    the item then goes to that hold shelf (in transit first if returned elsewhere).
    """
    target = request_pickup_library or item.library
    if target != returned_at_library:
        return NextStep(kind="transit", library=target)
    if request_pickup_library is not None:
        return NextStep(kind="hold_shelf", library=target)
    return NextStep(kind="reshelve", library=item.library, location=item.location)
