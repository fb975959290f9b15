"""The explicit registry: which handler runs each command (every handler is
``async def handler(command, uow, ctx)``, :mod:`rebub_shared.messagebus`)."""

from __future__ import annotations

from rebub_shared.messagebus import Handlers

from . import account_views as account
from . import catalogue_handlers as catalogue
from . import hold_shelf_handlers as shelf
from . import item_handlers as item
from . import job_handlers as jobs
from . import loan_commands as lc
from . import request_commands as rc
from . import request_handlers as requests
from . import views
from .checkout_handlers import check_out_item
from .commands import (
    ChangeDueDate,
    ChangeItemStatus,
    ChangePatronDueDates,
    CheckOutItem,
    ForgetPatron,
    ListPatronLoans,
    LoadItems,
    MergeWaitingAccount,
    RecordPatronChange,
    RenewLoan,
    RenewPatronLoans,
    ReturnItem,
    ShowItem,
    ShowPatronBlocks,
)
from .context import Context
from .due_date_handlers import change_due_date, change_patron_due_dates
from .loan_action_handlers import act_on_loan, add_loan_note
from .network_handlers import record_network_activity
from .ports import UnitOfWork
from .rebuild_handlers import forget_restored_loan, restore_loan
from .renewal_handlers import renew_loan, renew_patron_loans
from .return_handlers import return_item, return_items
from .rules_handlers import explain_loan_rules, explain_rules

HANDLERS = Handlers[UnitOfWork, Context](
    {
        CheckOutItem: check_out_item,
        RenewLoan: renew_loan,
        RenewPatronLoans: renew_patron_loans,
        ChangeDueDate: change_due_date,
        ChangePatronDueDates: change_patron_due_dates,
        ReturnItem: return_item,
        LoadItems: catalogue.load_items,
        RecordPatronChange: catalogue.record_patron_change,
        ForgetPatron: catalogue.forget_patron,
        MergeWaitingAccount: catalogue.merge_waiting_account,
        ListPatronLoans: views.list_patron_loans,
        ShowPatronBlocks: views.show_patron_blocks,
        lc.ReturnItems: return_items,
        lc.ActOnLoan: act_on_loan,
        lc.AddLoanNote: add_loan_note,
        lc.ShowLoan: account.show_loan,
        lc.ShowItemHistory: account.show_item_history,
        lc.ListPatronReturns: account.list_patron_returns,
        lc.ShowPatronAccount: account.show_patron_account,
        lc.ShowNetworkActivity: account.show_network_activity,
        lc.ExplainLoanRules: explain_loan_rules,
        lc.ExplainRules: explain_rules,
        lc.RecordNetworkActivity: record_network_activity,
        lc.RestoreLoan: restore_loan,
        lc.ForgetRestoredLoan: forget_restored_loan,
        lc.RunAgedToLost: jobs.run_aged_to_lost,
        lc.RunRetention: jobs.run_retention,
        rc.PlaceRequest: requests.place_request,
        rc.PlaceInternalProcessing: requests.place_internal_processing,
        rc.CancelRequest: requests.cancel_request,
        rc.CompleteRequest: requests.complete_request,
        rc.DeliverDigitisation: requests.deliver_digitisation,
        rc.ShowLoanQueue: account.show_loan_queue,
        rc.ListPatronRequests: account.list_patron_requests,
        rc.ListLibraryRequests: shelf.list_library_requests,
        ShowItem: item.show_item,
        ChangeItemStatus: item.change_item_status,
        rc.RunHoldShelf: shelf.run_hold_shelf,
    }
)
