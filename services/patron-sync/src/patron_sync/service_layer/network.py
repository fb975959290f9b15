"""Network zone handlers: the daily DSI import into the NZ, published on ``nz.patron.v1``."""

import asyncio
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime
from itertools import islice

from patron_sync.domain.absence import (
    ImportMode,
    absent_accounts,
    expire_absent,
    is_purge_due,
    mark_absent,
)
from patron_sync.domain.errors import FeedRefusedError
from patron_sync.domain.feed_records import FeedItem, ParsedAccount
from patron_sync.domain.import_history import FeedReceived, ImportEntry
from patron_sync.domain.import_report import ImportReport, ImportTally
from patron_sync.domain.nz_accounts import (
    AccountSummary,
    ImportOutcome,
    NzAccount,
    decide_nz_import,
    unchanged_by_summary,
)
from patron_sync.service_layer.commands import ImportFeed
from patron_sync.service_layer.context import ImportOptions, NetworkContext
from patron_sync.service_layer.unit_of_work import ImportRun, NzUnitOfWork


def _batches(items: Iterator[FeedItem], size: int) -> Iterator[list[FeedItem]]:
    while batch := list(islice(items, size)):
        yield batch


#: A batch's items, each valid record marked True when its summary shows it unchanged.
Marked = list[tuple[FeedItem, bool]]


def _read_batch(
    batches: Iterator[list[FeedItem]], summaries: dict[str, AccountSummary]
) -> Marked | None:
    """The next batch read (parsed, validated) and compared with the summaries (fingerprinted):
    the import's own CPU, run in a worker thread. None: the feed is read."""
    batch = next(batches, None)
    if batch is None:
        return None
    return [
        (
            item,
            isinstance(item, ParsedAccount)
            and unchanged_by_summary(item.record, summaries.get(item.record.primary_id)),
        )
        for item in batch
    ]


async def publish_pending(uow: NzUnitOfWork) -> int:
    """Publish what a crash left written but unpublished: each batch's publication is recorded
    (its primary ids) before its accounts are written and removed once they were published;
    the stored versions are published again (the IZs ignore a version they hold)."""
    sent = 0
    for token, primary_ids in await uow.accounts.unfinished_publications():
        stored = await uow.accounts.get_many(primary_ids)
        await uow.publisher.publish([s.account for s in stored.values()])
        await uow.accounts.end_publication(token)
        sent += len(stored)
    return sent


async def _write_and_publish(
    uow: NzUnitOfWork,
    new: list[NzAccount],
    changed: list[NzAccount],
    published: list[NzAccount],
) -> None:
    token = await uow.accounts.begin_publication([a.record.primary_id for a in published])
    await uow.accounts.write(new, changed)
    await uow.publisher.publish(published)
    await uow.accounts.end_publication(token)


async def _check_size(cmd: ImportFeed, records: int, uow: NzUnitOfWork, ratio: float) -> None:
    if cmd.mode is not ImportMode.FULL or cmd.force:
        return
    last = await uow.accounts.last_full_import(cmd.source)
    if last is not None and records < last * ratio:
        raise FeedRefusedError(
            cmd.path.name,
            f"full feed of {records} records, the last one of {cmd.source} held {last} "
            f"(below {ratio:.0%}); import it with force if the DSI confirms",
        )


async def _apply_batch(
    batch: Marked,
    uow: NzUnitOfWork,
    tally: ImportTally,
    seen: set[str],
    now: datetime,
) -> None:
    parsed: list[ParsedAccount] = []
    for item, unchanged in batch:
        if not isinstance(item, ParsedAccount):
            tally.reject(item)
            if item.primary_id:
                seen.add(item.primary_id)  # in the feed: not absent
        elif unchanged:
            seen.add(item.record.primary_id)
            tally.count(ImportOutcome.UNCHANGED)  # most of a daily feed: nothing read or written
        else:
            parsed.append(item)
    # Only what may have changed is read back (an unknown id: new, or a summary not written).
    stored = await uow.accounts.get_many(p.record.primary_id for p in parsed)
    new: list[NzAccount] = []
    changed: list[NzAccount] = []
    unsummarised: list[NzAccount] = []  # read for want of a summary, found unchanged
    for item in parsed:
        seen.add(item.record.primary_id)
        before = stored.get(item.record.primary_id)
        decision = decide_nz_import(item.record, before.account if before else None, now)
        tally.count(decision.outcome)
        if decision.outcome is ImportOutcome.CREATED:
            new.append(decision.account)
        elif decision.publish or (before and before.account.absent_since is not None):
            changed.append(decision.account)
        elif before is not None:
            unsummarised.append(before.account)
    await uow.accounts.repair_summaries(unsummarised)
    # An absent account back in the feed unchanged is written (no longer absent) but keeps its
    # version: no event, the IZs only follow versions.
    moved = [a for a in changed if stored[a.record.primary_id].account.version < a.version]
    await _write_and_publish(uow, new, changed, new + moved)


async def _flag_absent(
    cmd: ImportFeed,
    uow: NzUnitOfWork,
    seen: set[str],
    summaries: dict[str, AccountSummary],
    now: datetime,
    options: ImportOptions,
) -> int:
    missing = {k for k, s in summaries.items() if s.source == cmd.source} - seen
    stored = await uow.accounts.get_many(missing)
    absent = list(absent_accounts((s.account for s in stored.values()), cmd.source, seen, cmd.mode))
    changed, bumped, purged = [], [], []
    for account in absent:
        flagged = expire_absent(mark_absent(account, now), now, options.absence)
        if is_purge_due(flagged, now, options.purge_after):
            purged.append(flagged.record.primary_id)
        elif flagged != account:
            changed.append(flagged)
            if flagged.version > account.version:
                bumped.append(flagged)
    await _write_and_publish(uow, [], changed, bumped)
    await uow.accounts.purge(purged)
    await uow.publisher.tombstones(purged)
    return len(absent)


async def import_feed(cmd: ImportFeed, uow: NzUnitOfWork, ctx: NetworkContext) -> ImportReport:
    """Import one DSI feed file into the NZ, publish what changed, and keep the import in the
    history (its report, or why the whole file was refused).

    The whole file is checked first (:class:`FeedRefusedError`: nothing applied), then streamed
    in batches: each batch is read, decided, written (new and changed accounts marked pending)
    and published (a batch of sends, then one wait), then marked published. In full mode the
    source's accounts the feed did not hold are flagged absent, expire, and are purged at last.
    The clock is read once: the whole import is of one instant.
    """
    now = ctx.now()
    checksum, size = uow.feeds.fingerprint(cmd.path)
    received = FeedReceived(
        source=cmd.source,
        mode=cmd.mode.value,
        file_name=cmd.file_name or cmd.path.name,
        checksum=checksum,
        size=size,
        uploaded_by=cmd.uploaded_by,
    )
    kept = {"id": import_id(received, now), "received_at": now} | received.model_dump()
    try:
        report = await _import(cmd, uow, ctx, now)
    except FeedRefusedError as error:
        await uow.history.add(ImportEntry(**kept, outcome="refused", refusal=str(error)))
        raise
    await uow.history.add(ImportEntry(**kept, outcome="applied", report=report))
    return report


def import_id(received: FeedReceived, now: datetime) -> str:
    """A readable id: the source, the instant and the start of the checksum."""
    return f"{received.source}-{now:%Y%m%dT%H%M%S%f}-{received.checksum[:8]}"


async def _import(
    cmd: ImportFeed, uow: NzUnitOfWork, ctx: NetworkContext, now: datetime
) -> ImportReport:
    options = ctx.options
    records = uow.feeds.check(cmd.path)
    await _check_size(cmd, records, uow, options.full_feed_min_ratio)
    await publish_pending(uow)
    tally, seen = ImportTally(), set[str]()
    summaries = await uow.accounts.summaries()
    batches = _batches(uow.feeds.read(cmd.path, cmd.source), options.batch_size)
    # The next batch is read in a worker thread while this one is written: the import's CPU and
    # the store's time overlap instead of adding up (the thread alone advances the reader).
    reading = asyncio.ensure_future(asyncio.to_thread(_read_batch, batches, summaries))
    try:
        while (batch := await reading) is not None:
            reading = asyncio.ensure_future(asyncio.to_thread(_read_batch, batches, summaries))
            await _apply_batch(batch, uow, tally, seen, now)
    finally:
        if not reading.done():  # a batch failed to be written: the read under way ends first
            with suppress(Exception):
                await reading
    if cmd.mode is ImportMode.FULL:
        tally.absent = await _flag_absent(cmd, uow, seen, summaries, now, options)
        run = ImportRun(cmd.source, cmd.mode.value, records, now.isoformat())
        await uow.accounts.record_import(run)
    return tally.report()
