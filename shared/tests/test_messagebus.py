"""The shared command table and bus: the answer is the handler's, an unknown command is refused
by name, and the command types of a package leave out the generic bases."""

from dataclasses import dataclass
from typing import Generic

import pytest

from rebub_shared.messagebus import (
    Command,
    Handlers,
    MessageBus,
    R,
    UnknownCommandError,
    command_types,
)


class Base(Command[R], Generic[R]):
    """A generic base of commands (no handler: not a command of its own)."""


@dataclass(frozen=True)
class Double(Base[int]):
    value: int


@dataclass(frozen=True)
class Greet(Command[str]):
    name: str


async def double(command: Double, uow: list[str], ctx: int) -> int:
    uow.append(f"double {command.value}")
    return command.value * ctx


TABLE = Handlers[list[str], int]({Double: double})


async def test_the_bus_runs_the_handler_in_a_fresh_unit_of_work_and_returns_its_answer() -> None:
    units: list[list[str]] = []

    def new_uow() -> list[str]:
        units.append([])
        return units[-1]

    bus = MessageBus(TABLE, new_uow, 3)

    assert await bus.handle(Double(7)) == 21
    assert await bus.handle(Double(1)) == 3
    assert units == [["double 7"], ["double 1"]]


async def test_a_command_without_a_handler_is_refused_by_name() -> None:
    with pytest.raises(UnknownCommandError, match="Greet"):
        await TABLE.handle(Greet("Hélène"), [], 1)


def test_the_command_types_of_a_package_leave_out_generic_bases() -> None:
    assert command_types(__name__) == {Double, Greet}
    assert TABLE.command_types() == {Double}
