"""Overriding checkout blocks ("Outrepasser"): who, why, when, and which blocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import AwareDatetime

from rebub_shared.clock import as_utc

from .errors import BlockNotOverridableError, OverrideIncompleteError
from .values import ValueModel
from .vocabulary import BlockKind

if TYPE_CHECKING:
    from .blocks import Block


class OverrideRequest(ValueModel):
    """Staff ask to lend despite the blocks: the operator and a reason are required."""

    operator: str
    reason: str


class OverrideRecord(ValueModel):
    """What is stored on the loan when blocks were overridden."""

    operator: str
    reason: str
    overridden_at: AwareDatetime
    blocks: tuple[BlockKind, ...]


def check_override(
    blocks: Sequence[Block], request: OverrideRequest, now: datetime
) -> OverrideRecord:
    """Accept the override of ``blocks`` or raise a named error.

    Raises OverrideIncompleteError when the operator or the reason is blank, and
    BlockNotOverridableError naming every block the policy does not let staff override.
    """
    for field, value in (("operator", request.operator), ("reason", request.reason)):
        if not value.strip():
            raise OverrideIncompleteError(f"override {field}={value!r} is required")
    refused = [block for block in blocks if not block.overridable]
    if refused:
        kinds = ", ".join(block.kind.value for block in refused)
        raise BlockNotOverridableError(f"blocks not overridable: {kinds}")
    return OverrideRecord(
        operator=request.operator,
        reason=request.reason,
        overridden_at=as_utc("now", now),
        blocks=tuple(dict.fromkeys(block.kind for block in blocks)),
    )
