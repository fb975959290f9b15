"""Rendering of the topic flows for a terminal (refreshed in place) or as JSON."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from rebub.flows import FlowSnapshot, sample_with_rates


def flows_table(snapshot: FlowSnapshot) -> Table:
    table = Table(title="rebub topic flows", expand=True)
    for column in ("zone", "topic", "parts", "messages", "rate/s", "groups (lag)", "dead letters"):
        table.add_column(
            column, justify="right" if column in ("parts", "messages", "rate/s") else "left"
        )
    for flow in snapshot.topics:
        groups = ", ".join(f"{g.group} ({g.lag})" for g in flow.groups) or "-"
        table.add_row(
            flow.zone,
            flow.topic,
            str(flow.partitions),
            str(flow.end_offset),
            f"{flow.rate_per_s:.1f}",
            groups,
            str(flow.retained) if flow.dead_letter else "",
            style="red"
            if flow.dead_letter and flow.retained
            else ("yellow" if flow.max_lag else None),
        )
    return table


async def watch(bootstrap: str, *, prefix: str, every_s: float, **client: Any) -> None:
    """Refresh the table in place until interrupted."""
    previous = None
    with Live(console=Console(), auto_refresh=False) as live:
        while True:
            snapshot = await sample_with_rates(
                bootstrap, prefix=prefix, previous=previous, interval_s=every_s, **client
            )
            live.update(flows_table(snapshot), refresh=True)
            previous = snapshot
            await asyncio.sleep(every_s)
