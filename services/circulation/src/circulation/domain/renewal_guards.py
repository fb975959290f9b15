"""Renewal guards: a patron's blocks that refuse renewals (the policy's ``renewal_guards``),
and the manager's override of them ("Outrepasser"), recorded with who, why and which blocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .blocks import renewal_blocks
from .errors import RenewalBlockedError
from .loan import Loan
from .overrides import OverrideRecord, OverrideRequest, check_override
from .patron import Patron
from .policy import InstitutionPolicy


def check_renewal_allowed(
    *,
    policy: InstitutionPolicy,
    patron: Patron,
    patron_loans: Sequence[Loan],
    now: datetime,
    override: OverrideRequest | None = None,
) -> OverrideRecord | None:
    """None when no guard refuses; the override's record when one was needed and accepted.

    Raises RenewalBlockedError (every block) without an override, BlockNotOverridableError or
    OverrideIncompleteError when the override cannot be accepted.
    """
    blocks = renewal_blocks(policy=policy, patron=patron, patron_loans=patron_loans, now=now)
    if not blocks:
        return None
    if override is None:
        raise RenewalBlockedError(blocks)
    return check_override(blocks, override, now)
