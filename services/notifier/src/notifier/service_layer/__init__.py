"""The notifier's commands, their handlers (``async def handler(command, store, ctx)``, in the
registry of ``messagebus``), the bus that runs them and the ports they use."""

from .commands import (
    ApplyLoanEvent,
    ApplyPatronChange,
    FindLetters,
    ForgetPatron,
    ForgetRestoredLoan,
    ListReports,
    PlanDay,
    RecoverInFlight,
    RestoreLoan,
    RunDailyPass,
    RunRetention,
    SendActivityReport,
    SendHoldAvailable,
    SendLoanReceipt,
)
from .context import Context
from .daily_pass import DayPlan, PassSummary
from .messagebus import HANDLERS, NotifierBus
from .on_request import UnknownLoanError, UnknownPatronError
from .ports import (
    DeliveryUncertainError,
    Mailer,
    NotDeliveredError,
    NotifierStore,
    Outgoing,
    Printer,
)
from .records import LetterRecord, LetterState, Report
from .sending import message_id_for

__all__ = [
    "HANDLERS",
    "ApplyLoanEvent",
    "ApplyPatronChange",
    "Context",
    "DayPlan",
    "DeliveryUncertainError",
    "FindLetters",
    "ForgetPatron",
    "ForgetRestoredLoan",
    "LetterRecord",
    "LetterState",
    "ListReports",
    "Mailer",
    "NotDeliveredError",
    "NotifierBus",
    "NotifierStore",
    "Outgoing",
    "PassSummary",
    "PlanDay",
    "Printer",
    "RecoverInFlight",
    "Report",
    "RestoreLoan",
    "RunDailyPass",
    "RunRetention",
    "SendActivityReport",
    "SendHoldAvailable",
    "SendLoanReceipt",
    "UnknownLoanError",
    "UnknownPatronError",
    "message_id_for",
]
