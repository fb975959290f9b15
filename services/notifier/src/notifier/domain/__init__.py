"""The notifier's pure domain: the overdue letter chain (DOMAIN.md section 7).

No I/O and no clock: "today" and event times are parameters. The flow for the layers above:

1. Consume loan events: ``state = apply_event(store.get(loan_id), LoanEvent(...))`` and save
   ``state`` (idempotent: redelivered or older events change nothing).
2. Once a day per institution (or after downtime): ``due = letters_due(active_loans, patrons,
   paris_day(now), already_sent_keys, settings)``. For each ``letter`` in ``due.letters``, insert
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
    NaiveDatetimeError,
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
from .paris import PARIS, days_overdue, paris_day
from .patron import PatronContact
from .schedule import LettersDue, Unreachable, letters_due
from .settings import (
    DEFAULT_INSTITUTIONS,
    ChainSettings,
    InstitutionSettings,
    institution_settings,
)
from .stages import StageDate, current_stage, next_stage_on, stages_for

__all__ = [
    "CHAIN",
    "DEFAULT_INSTITUTIONS",
    "PARIS",
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
    "NaiveDatetimeError",
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
    "paris_day",
    "stages_for",
]
