"""What the benchmarks' plain-text summaries share: figures that may be missing, load averages,
and the table of what each operation sent to the store and the broker (``counted.per_operation``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: The columns of ``counted_columns``, in its order.
COUNTED = (
    "store round trips",
    "by command",
    "produce requests",
    "records published",
    "broker requests",
)


def figure(value: float | None, spec: str = ".2f") -> str:
    """``n/a`` where the figure is missing (a process not on this machine: a server named by the
    environment)."""
    return "n/a" if value is None else format(value, spec)


def loads(values: Iterable[float]) -> str:
    """Load averages (1/5/15 min)."""
    return "/".join(f"{x:.1f}" for x in values)


def commands(store_by_command: Mapping[str, float]) -> str:
    """Store commands by name, per operation."""
    return ", ".join(f"{name} {n:,.2f}" for name, n in sorted(store_by_command.items())) or "none"


def counted_columns(per_op: Mapping[str, Any]) -> list[str]:
    """One operation's figures from ``counted.per_operation``, in the order of ``COUNTED``."""
    return [
        f"{per_op['store_round_trips']:.2f}",
        commands(per_op["store_by_command"]),
        f"{per_op['produce_requests']:.2f}",
        f"{per_op['published']:.2f}",
        f"{per_op['broker_requests']:.2f}",
    ]


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A header line and one line per row, columns separated by ``|``."""
    return [" | ".join(header), *(" | ".join(row) for row in rows)]
