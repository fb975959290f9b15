"""The explicit registry: which handler runs each command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from . import catalogue_handlers as catalogue
from . import views
from .checkout_handlers import check_out_item
from .commands import (
    ChangeDueDate,
    ChangePatronDueDates,
    CheckOutItem,
    Command,
    ListPatronLoans,
    LoadItems,
    MergeWaitingAccount,
    RecordPatronChange,
    RenewLoan,
    RenewPatronLoans,
    ReturnItem,
    ShowPatronBlocks,
)
from .context import Context
from .due_date_handlers import change_due_date, change_patron_due_dates
from .ports import UnitOfWork
from .renewal_handlers import renew_loan, renew_patron_loans
from .return_handlers import return_item

Handler = Callable[[Any, UnitOfWork, Context], Awaitable[Any]]

HANDLERS: dict[type[Command], Handler] = {
    CheckOutItem: check_out_item,
    RenewLoan: renew_loan,
    RenewPatronLoans: renew_patron_loans,
    ChangeDueDate: change_due_date,
    ChangePatronDueDates: change_patron_due_dates,
    ReturnItem: return_item,
    LoadItems: catalogue.load_items,
    RecordPatronChange: catalogue.record_patron_change,
    MergeWaitingAccount: catalogue.merge_waiting_account,
    ListPatronLoans: views.list_patron_loans,
    ShowPatronBlocks: views.show_patron_blocks,
}
