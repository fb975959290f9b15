"""The network activity projection: the other institutions' loan summaries for our patrons."""

from __future__ import annotations

from .context import Context
from .loan_commands import RecordNetworkActivity
from .ports import UnitOfWork


async def record_network_activity(
    cmd: RecordNetworkActivity, uow: UnitOfWork, ctx: Context
) -> bool:
    """Keep a newer summary of another institution's loan; our own summaries are ignored."""
    ctx.check_tenant(cmd.institution)
    if cmd.summary.institution == ctx.institution:
        return False
    return await uow.network.record(ctx.institution, cmd.summary, ctx.now())
