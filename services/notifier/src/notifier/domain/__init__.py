"""The notifier's pure domain: the overdue letter chain (DOMAIN.md section 7).

No I/O and no clock: "today" and event times are parameters. The flow for the layers above:

1. Consume loan events: ``state = apply_event(store.get(loan_id), LoanEvent(...))`` and save
   ``state`` (idempotent: redelivered or older events change nothing).
2. Once a day per institution (or after downtime): ``due = letters_due(active_loans, patrons,
   paris_date(now), already_sent_keys, settings)``. For each ``letter`` in ``due.letters``, insert
   ``letter.idempotency_keys`` in the store's unique index *before* sending (a crash after the
   insert loses at most one letter, never sends two), then send by ``letter.channel``: email, or
   into the day's printed batch. Report ``letter.reported_reason`` and ``due.unreachable`` to staff.
3. On request: ``loan_receipt``, ``activity_report``, ``hold_available`` build a ``Letter`` too.

Settings per institution: ``institution_settings(code)`` or your own ``InstitutionSettings``.
"""

from .address import PostalAddress
from .errors import (
    InvalidSettingsError,
    LoanMismatchError,
    MixedBatchError,
    NotifierDomainError,
    TenantMismatchError,
    UnknownInstitutionError,
)
from .events import LoanEvent, LoanEventKind, apply_event
from .kinds import CHAIN, Channel, LetterKind, Stage
from .letters import Letter, LetterItem, choose_channel, idempotency_key
from .loan import EndReason, LoanInChain, LoanStatus
from .on_request import (
    HoldNotice,
    UnreachablePatronError,
    activity_report,
    hold_available,
    loan_receipt,
)
from .paris import days_overdue
from .patron import PatronContact
from .schedule import LettersDue, Unreachable, letters_due
from .settings import (
    ChainSettings,
    InstitutionSettings,
    institution_settings,
)
from .stages import StageDate, current_stage, next_stage_on, stages_for

__all__ = [
    "CHAIN",
    "ChainSettings",
    "Channel",
    "EndReason",
    "HoldNotice",
    "InstitutionSettings",
    "InvalidSettingsError",
    "Letter",
    "LetterItem",
    "LetterKind",
    "LettersDue",
    "LoanEvent",
    "LoanEventKind",
    "LoanInChain",
    "LoanMismatchError",
    "LoanStatus",
    "MixedBatchError",
    "NotifierDomainError",
    "PatronContact",
    "PostalAddress",
    "Stage",
    "StageDate",
    "TenantMismatchError",
    "UnknownInstitutionError",
    "Unreachable",
    "UnreachablePatronError",
    "activity_report",
    "apply_event",
    "choose_channel",
    "current_stage",
    "days_overdue",
    "hold_available",
    "idempotency_key",
    "institution_settings",
    "letters_due",
    "loan_receipt",
    "next_stage_on",
    "stages_for",
]
