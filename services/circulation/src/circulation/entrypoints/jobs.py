"""The jobs: aged to lost and retention, on a background interval and, outside production, from
``POST /_dev/jobs/<name>`` (so the development clock can be moved, then the job run)."""

from __future__ import annotations

from fastapi import APIRouter

from circulation.service_layer.account_answers import JobAnswer
from circulation.service_layer.commands import Command
from circulation.service_layer.loan_commands import RunAgedToLost, RunRetention
from circulation.service_layer.messagebus import MessageBus
from rebub_shared.auth.guard import requires
from rebub_shared.logging import get_logger
from rebub_shared.messaging import TRANSIENT_ERRORS
from rebub_shared.periodic import Periodic
from rebub_shared.permissions import Permission

from .desk_identity import Bus

log = get_logger(__name__)
JOBS: dict[str, type[Command]] = {"aged-to-lost": RunAgedToLost, "retention": RunRetention}


class JobLoop:
    """Runs every job each ``interval_s`` seconds until stopped; a failed run is logged."""

    def __init__(self, bus: MessageBus, interval_s: float) -> None:
        self._bus = bus
        # First run after one interval: start is quick.
        self._loop = Periodic("circulation-jobs", self._run_all, interval_s, first_after=True)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run_all(self) -> None:
        for name, job in JOBS.items():
            try:
                answer = await self._bus.handle(job(institution=self._bus.ctx.institution))
                log.info("job_ran", job=name, changed=answer.changed)
            except TRANSIENT_ERRORS as error:
                log.warning("job_paused", job=name, error=str(error))
            except Exception:  # one job's failure must not stop the others
                log.exception("job_failed", job=name)


dev_router = APIRouter(
    prefix="/_dev/jobs", tags=["development"], dependencies=[requires(Permission.DEV_OPERATE)]
)


@dev_router.post("/aged-to-lost")
async def run_aged_to_lost(bus: Bus) -> JobAnswer:
    """Development and tests only: declare lost the loans past the litigation delay now."""
    answer: JobAnswer = await bus.handle(RunAgedToLost(institution=bus.ctx.institution))
    return answer


@dev_router.post("/retention")
async def run_retention(bus: Bus) -> JobAnswer:
    """Development and tests only: anonymise loans and returns older than the history delay."""
    answer: JobAnswer = await bus.handle(RunRetention(institution=bus.ctx.institution))
    return answer
