"""The explicit registry of institution zone handlers, and running one command."""

from collections.abc import Awaitable, Callable
from typing import Any, cast

from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer import institution as h
from patron_sync.service_layer.commands import Command, R
from patron_sync.service_layer.context import Context
from patron_sync.service_layer.unit_of_work import ConcurrentUpdateError, IzUnitOfWork

#: Every handler: ``async def handler(command, uow, ctx)``, as in the other services.
Handler = Callable[[Any, IzUnitOfWork, Context], Awaitable[Any]]

HANDLERS: dict[type[Command[Any]], Handler] = {
    cmds.ApplyNzAccounts: h.apply_nz_accounts,
    cmds.LinkPatron: h.link_patron,
    cmds.AddIdentifier: h.add_identifier,
    cmds.AddNote: h.add_note,
    cmds.AddLocalBlock: h.add_local_block,
    cmds.EditPatron: h.edit_patron,
    cmds.CreateExternalReader: h.create_reader,
    cmds.ChangeExternalReader: h.change_reader,
    cmds.ApplyExternalReader: h.apply_reader,
    cmds.CreateWaitingAccount: h.create_waiting,
}

RETRIES = 3


async def handle(command: Command[R], new_uow: Callable[[], IzUnitOfWork], ctx: Context) -> R:
    """Run ``command``'s handler in a fresh unit of work; a concurrent write of the same patron
    (optimistic lock) runs it again on fresh data."""
    handler = HANDLERS[type(command)]
    for attempt in range(1, RETRIES + 1):
        try:
            return cast(R, await handler(command, new_uow(), ctx))
        except ConcurrentUpdateError:
            if attempt == RETRIES:
                raise
    raise AssertionError("unreachable")
