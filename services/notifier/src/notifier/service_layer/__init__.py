"""The notifier's handlers (plain functions over a ``Notifier``) and the ports they use."""

from .daily_pass import DayPlan, PassSummary, plan_day, run_daily_pass
from .handlers import apply_loan_event, apply_patron_change
from .notifier import Notifier
from .on_request import (
    UnknownLoanError,
    UnknownPatronError,
    send_activity_report,
    send_hold_available,
    send_loan_receipt,
)
from .ports import (
    DeliveryUncertainError,
    Mailer,
    NotDeliveredError,
    NotifierStore,
    Outgoing,
    Printer,
)
from .printing import print_batch
from .records import LetterRecord, LetterState, Report
from .sending import message_id_for, recover_in_flight, send_letter

__all__ = [
    "DayPlan",
    "DeliveryUncertainError",
    "LetterRecord",
    "LetterState",
    "Mailer",
    "NotDeliveredError",
    "Notifier",
    "NotifierStore",
    "Outgoing",
    "PassSummary",
    "Printer",
    "Report",
    "UnknownLoanError",
    "UnknownPatronError",
    "apply_loan_event",
    "apply_patron_change",
    "message_id_for",
    "plan_day",
    "print_batch",
    "recover_in_flight",
    "run_daily_pass",
    "send_activity_report",
    "send_hold_available",
    "send_letter",
    "send_loan_receipt",
]
