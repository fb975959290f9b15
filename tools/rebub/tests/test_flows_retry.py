"""Reading consumer groups waits while a broker just started loads its group coordinator."""

from __future__ import annotations

import pytest
from aiokafka.errors import GroupLoadInProgressError, UnknownTopicOrPartitionError

from rebub.flows import _while_loading


async def test_group_reads_are_retried_while_the_coordinator_loads() -> None:
    calls: list[str] = []

    async def list_groups(prefix: str) -> list[str]:
        calls.append(prefix)
        if len(calls) < 3:
            raise GroupLoadInProgressError
        return [f"{prefix}.circulation.main"]

    assert await _while_loading(list_groups, "inp") == ["inp.circulation.main"]
    assert len(calls) == 3


async def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    async def broken() -> None:
        calls.append(1)
        raise UnknownTopicOrPartitionError

    with pytest.raises(UnknownTopicOrPartitionError):
        await _while_loading(broken)
    assert calls == [1]
