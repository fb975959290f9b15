"""The notifier's retention (issue 21 item 3): letters, their attempts and printed batches (the
PDF files too), loans that left the chain, reports, then the contacts left with nothing to write
about. The rules are ``notifier.domain.retention``; the store deletes in bounded batches.

Order: a letter before its day's batch; a batch's file before its record (a crash in between
leaves a record whose file is gone, removed again by the next run, never a file nobody lists);
the contacts last, once their patrons' loans and letters are gone.
"""

from __future__ import annotations

from rebub_shared.logging import get_logger

from ..domain.retention import cutoffs
from .commands import RunRetention
from .context import Context
from .ports import NotifierStore

log = get_logger(__name__)


async def run_retention(
    command: RunRetention, store: NotifierStore, ctx: Context
) -> dict[str, int]:
    """Delete what is past its period on ``command.now``; how many of each kind went."""
    cut = cutoffs(command.retention, command.now)
    letters = await store.purge_letters(cut)
    batches = await store.batch_days_before(cut.letters_before)
    for day in batches:
        await ctx.printer.remove_batch(store.institution, day)
        await store.drop_batch(day)
    loans = await store.purge_ended_loans(cut)
    reports = await store.purge_reports(cut)
    contacts = await store.forget_idle_contacts({*letters, *loans})
    counts = {
        "letters": len(letters),
        "print_batches": len(batches),
        "loans": len(loans),
        "reports": reports,
        "contacts": contacts,
    }
    log.info("notifier_retention_done", institution=store.institution, **counts)
    return counts
