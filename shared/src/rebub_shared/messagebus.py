"""The service layers' common shape: a command names its answer, one handler answers each
command type, and a bus runs it with a unit of work and a context.

Every handler is ``async def handler(command, uow, ctx)``: the command, the unit of work (or
store port) it writes through, and the context of the service instance (its clock, its
institution, its channels...). A command type ``Command[R]`` names what its handler answers,
so ``await bus.handle(command)`` is typed ``R`` and callers do not re-annotate it. What a
service adds around the call (circulation's relay, patron-sync's retry on a concurrent write)
stays in its own bus.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

#: What a command's handler answers.
R = TypeVar("R")
#: The unit of work (or store port) a service's handlers are given.
U = TypeVar("U")
#: What a service's handlers are given besides their command and unit of work.
C = TypeVar("C")


class Command(Generic[R]):
    """Base of every service's commands: ``R`` is what the command's handler answers."""

    __slots__ = ()


#: Every handler: ``async def handler(command, uow, ctx)``.
Handler = Callable[[Any, U, C], Awaitable[Any]]


class UnknownCommandError(LookupError):
    """A command type with no handler in the service's table (a wiring mistake)."""


class Handlers(Generic[U, C]):
    """A service's explicit registry: which handler answers each command type."""

    def __init__(self, table: Mapping[type[Command[Any]], Handler[U, C]]) -> None:
        self._table = dict(table)

    def command_types(self) -> frozenset[type[Command[Any]]]:
        """The command types this table answers."""
        return frozenset(self._table)

    async def handle(self, command: Command[R], uow: U, ctx: C) -> R:
        """Run ``command``'s handler (by the command's exact type) and return its answer."""
        handler = self._table.get(type(command))
        if handler is None:
            raise UnknownCommandError(f"no handler for {type(command).__qualname__}")
        return cast(R, await handler(command, uow, ctx))


class MessageBus(Generic[U, C]):
    """The service layer's single entry: ``await bus.handle(command)``, in a fresh unit of work
    (``new_uow()``) with the instance's context."""

    def __init__(self, handlers: Handlers[U, C], new_uow: Callable[[], U], ctx: C) -> None:
        self.handlers = handlers
        self.new_uow = new_uow
        self.ctx = ctx

    async def handle(self, command: Command[R]) -> R:
        """Run the command's handler and return its answer."""
        return await self.handlers.handle(command, self.new_uow(), self.ctx)


def command_types(package: str) -> frozenset[type[Command[Any]]]:
    """The concrete command types defined in ``package`` (a package or a module, imported):
    every subclass of :class:`Command` but the generic bases (``DeskCommand[R]``) and their
    parametrisations. A test compares them with a service's table."""
    return frozenset(
        cls
        for cls in _subclasses(Command)
        if (cls.__module__ == package or cls.__module__.startswith(f"{package}."))
        and not getattr(cls, "__parameters__", ())
        and not _parametrised(cls)
    )


def _parametrised(cls: type) -> bool:
    metadata = getattr(cls, "__pydantic_generic_metadata__", None)
    return bool(metadata and metadata.get("origin") is not None)


def _subclasses(cls: type[Command[Any]]) -> Iterator[type[Command[Any]]]:
    sub: type[Command[Any]]
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)
