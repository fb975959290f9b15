"""The jobs: aged to lost, retention and the hold shelf, on a background interval in one replica
of the institution (the lease ``jobs``) and, outside production, from ``POST /_dev/jobs/<name>``
(so the development clock can be moved, then the job run)."""

from __future__ import annotations

from fastapi import APIRouter

from circulation.service_layer.account_answers import JobAnswer
from circulation.service_layer.commands import Command
from circulation.service_layer.loan_commands import RunAgedToLost, RunRetention
from circulation.service_layer.messagebus import MessageBus
from circulation.service_layer.request_commands import RunHoldShelf
from rebub_shared.auth.guard import requires
from rebub_shared.lease import Lease, LeasedLoop
from rebub_shared.logging import get_logger
from rebub_shared.messaging import TRANSIENT_ERRORS
from rebub_shared.permissions import Permission

from .desk_identity import Bus

log = get_logger(__name__)
JOBS_LEASE = "jobs"  # in the institution's database, beside the retention job's "retention"
JOBS: dict[str, type[Command[JobAnswer]]] = {
    "aged-to-lost": RunAgedToLost,
    "retention": RunRetention,
    "hold-shelf": RunHoldShelf,
}


def job_loop(bus: MessageBus, interval_s: float, lease: Lease) -> LeasedLoop:
    """Every job each ``interval_s`` seconds until stopped (the first after one interval: the
    start stays quick), in the one replica holding ``lease`` (two replicas would expire the same
    holds and declare the same loans lost, their writes colliding); a failed run is logged."""

    async def run_all() -> None:
        for name, job in JOBS.items():
            try:
                answer = await bus.handle(job(institution=bus.ctx.institution))
                log.info("job_ran", job=name, changed=answer.changed)
            except TRANSIENT_ERRORS as error:
                log.warning("job_paused", job=name, error=str(error))
            except Exception:  # one job's failure must not stop the others
                log.exception("job_failed", job=name)

    return LeasedLoop("circulation-jobs", run_all, interval_s, lease)


dev_router = APIRouter(
    prefix="/_dev/jobs", tags=["development"], dependencies=[requires(Permission.DEV_OPERATE)]
)


@dev_router.post("/aged-to-lost")
async def run_aged_to_lost(bus: Bus) -> JobAnswer:
    """Development and tests only: declare lost the loans past the litigation delay now."""
    return await bus.handle(RunAgedToLost(institution=bus.ctx.institution))


@dev_router.post("/retention")
async def run_retention(bus: Bus) -> JobAnswer:
    """Development and tests only: anonymise loans and returns older than the history delay."""
    return await bus.handle(RunRetention(institution=bus.ctx.institution))


@dev_router.post("/hold-shelf")
async def run_hold_shelf(bus: Bus) -> JobAnswer:
    """Development and tests only: expire the holds past their last day on the hold shelf now."""
    return await bus.handle(RunHoldShelf(institution=bus.ctx.institution))
