"""One desk's batch of returns: read once, decide each scan in memory, write in a few batches."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from circulation.domain import Item, ItemStatus, Loan, Patron, check_in_loan
from circulation.domain.hold_routing import pickup_library_for, route_item
from circulation.domain.requests import Request

from .answers import LoanView, ReturnAnswer
from .commands import ITEM_BARCODE_PATTERN
from .context import Context
from .errors import InputError, ItemNotOnLoanError, UnknownItemError
from .loan_commands import Scan
from .ports import StoredLoan, UnitOfWork

_BARCODE = re.compile(ITEM_BARCODE_PATTERN)


class ReturnBatch:
    """Returns at ``desk`` of ``library``; ``session_id`` is the desk session (Returns tab)."""

    def __init__(
        self, uow: UnitOfWork, ctx: Context, library: str, desk: str, session_id: str | None
    ) -> None:
        self.uow, self.ctx, self.library, self.desk = uow, ctx, library, desk
        self.session_id = session_id
        self.now = ctx.now()
        self.failed_loans: set[str] = set()
        self._loans: dict[str, StoredLoan] = {}
        self._items: dict[str, Item] = {}
        self._queues: dict[str, list[Request]] = {}
        self._patrons: dict[str, Patron] = {}
        self._suspensions: dict[str, date] = {}
        self._statuses: dict[str, ItemStatus] = {}
        self._requests: dict[str, Request] = {}
        self._returned: list[StoredLoan] = []

    async def read(self, scans: Sequence[Scan]) -> None:
        """Everything the scans need, in one query per collection (patrons: one per patron, where
        the institution suspends after a late return)."""
        inst = self.ctx.institution
        barcodes = list(
            dict.fromkeys(s.item_barcode for s in scans if _BARCODE.match(s.item_barcode))
        )
        self._loans = await self.uow.loans.open_for_items(inst, barcodes)
        self._items = await self.uow.items.get_many(inst, barcodes)
        self._queues = await self.uow.requests.active_for_items(inst, barcodes)
        for patron_id in {stored.loan.patron_id for stored in self._loans.values()}:
            # Only a late return's suspension needs the patron (its running suspension): where
            # the institution applies none, no suspension is ever stored, so none is read.
            if not self.ctx.policy.suspension_after_late_return:
                self._patrons[patron_id] = Patron(
                    institution=inst, patron_id=patron_id, user_group="unknown"
                )
                continue
            record = await self.uow.patrons.find(inst, patron_id)
            # The return never waits for the patron projection: no running suspension known.
            self._patrons[patron_id] = (
                record.patron
                if record
                else Patron(institution=inst, patron_id=patron_id, user_group="unknown")
            )

    def check_in(self, scan: Scan) -> ReturnAnswer:
        """Decide one scan in memory (raises a named error for this line only)."""
        barcode = scan.item_barcode
        if not _BARCODE.match(barcode):
            raise InputError("item_barcode", barcode, "expected 4 to 32 ASCII letters or digits")
        item, queue = self._items.get(barcode), self._queues.get(barcode, [])
        stored = self._loans.pop(barcode, None)
        if stored is None:
            # A hold waits for it, or it comes back from transit (received at this library).
            received = item is not None and item.status is ItemStatus.IN_TRANSIT
            if item is not None and (received or pickup_library_for(queue) is not None):
                return self._route_without_loan(item, queue)
            error = ItemNotOnLoanError if item else UnknownItemError
            raise error("item_barcode", barcode, "no open loan for this item")
        loan = stored.loan
        item = item or item_of_loan(self.ctx, loan)
        patron = self._patrons[loan.patron_id]
        try:
            outcome = check_in_loan(
                loan,
                item=item,
                patron=patron,
                policy=self.ctx.policy,
                returned_at=scan.returned_at or self.now,
                now=self.now,
                library=self.library,
                desk=self.desk,
                request_pickup_library=pickup_library_for(queue),
            )
        except Exception:
            self._loans[barcode] = stored  # the line failed: a later scan may try again
            raise
        until = outcome.suspended_until
        if until is not None and until != patron.suspended_until:
            self._suspensions[loan.patron_id] = until
            self._patrons[loan.patron_id] = patron.model_copy(update={"suspended_until": until})
        routing = route_item(
            item=item,
            library=self.library,
            queue=queue,
            policy=self.ctx.policy,
            now=self.now,
            step=outcome.next_step,
        )
        self._keep_routing(barcode, routing.request, routing.item_status)
        stored.return_desk, stored.return_session_id = self.desk, self.session_id
        self._returned.append(stored)
        return ReturnAnswer(
            loan=LoanView.of(stored),
            days_late=outcome.days_late,
            suspended_until=until,
            next_step=outcome.next_step,
            next_step_text=outcome.next_step.describe(),
            request_id=routing.request.request_id if routing.request else None,
        )

    async def write(self) -> None:
        """Suspensions, item statuses, requests, then the loans in one batch."""
        inst = self.ctx.institution
        for patron_id, until in self._suspensions.items():
            await self.uow.patrons.extend_suspension(inst, patron_id, until)
        if self._statuses:
            await self.uow.items.set_statuses(inst, self._statuses)
        for request in self._requests.values():
            await self.uow.requests.save(inst, request)
        if self._returned:
            self.failed_loans = await self.uow.loans.save_many(inst, self._returned)

    def _route_without_loan(self, item: Item, queue: list[Request]) -> ReturnAnswer:
        """An item with no loan scanned for a hold (picked from the shelf, or back from transit),
        or received in transit: on its shelf here, or on to its library."""
        routing = route_item(
            item=item, library=self.library, queue=queue, policy=self.ctx.policy, now=self.now
        )
        self._keep_routing(item.barcode, routing.request, routing.item_status)
        return ReturnAnswer(
            loan=None,
            days_late=0,
            suspended_until=None,
            next_step=routing.next_step,
            next_step_text=routing.next_step.describe(),
            request_id=routing.request.request_id if routing.request else None,
        )

    def _keep_routing(
        self, barcode: str, request: Request | None, status: ItemStatus | None
    ) -> None:
        if request is not None:
            self._requests[request.request_id] = request
        if status is not None:
            self._statuses[barcode] = status


def item_of_loan(ctx: Context, loan: Loan) -> Item:
    """An item missing from the catalogue goes back where it was lent from."""
    return Item(
        institution=ctx.institution,
        barcode=loan.item_barcode,
        title=loan.title,
        library=loan.library,
        location=loan.location,
    )
