"""The explicit registry of the notifier's handlers, and its bus: ``await bus.handle(command)``
runs the command's handler with the store and the context (every handler is
``async def handler(command, store, ctx)``, :mod:`rebub_shared.messagebus`).

The store is the notifier's unit of work: each of its methods changes one document atomically
(FerretDB v1 has no multi-document transaction, see ``ports``), so one store serves every
command rather than a fresh unit per command.
"""

from __future__ import annotations

from rebub_shared.messagebus import Handlers, MessageBus

from . import commands as c
from . import daily_pass, handlers, on_request, retention, sending
from .context import Context
from .ports import NotifierStore

HANDLERS = Handlers[NotifierStore, Context](
    {
        c.ApplyLoanEvent: handlers.apply_loan_event,
        c.RestoreLoan: handlers.restore_loan,
        c.ForgetRestoredLoan: handlers.forget_restored_loan,
        c.ApplyPatronChange: handlers.apply_patron_change,
        c.ForgetPatron: handlers.forget_patron,
        c.SendActivityReport: on_request.send_activity_report,
        c.SendLoanReceipt: on_request.send_loan_receipt,
        c.SendHoldAvailable: on_request.send_hold_available,
        c.RunDailyPass: daily_pass.run_daily_pass,
        c.PlanDay: daily_pass.plan_day,
        c.RunRetention: retention.run_retention,
        c.RecoverInFlight: sending.recover_in_flight,
        c.FindLetters: handlers.find_letters,
        c.ListReports: handlers.list_reports,
    }
)


class NotifierBus(MessageBus[NotifierStore, Context]):
    """One institution's notifier: its store and its context, every command through ``handle``."""

    def __init__(self, store: NotifierStore, ctx: Context) -> None:
        super().__init__(HANDLERS, lambda: store, ctx)
        self.store = store
