"""The explicit registries of patron-sync's handlers (institution zone, network zone) and the
buses that run them: every handler is ``async def handler(command, uow, ctx)``
(:mod:`rebub_shared.messagebus`)."""

from collections.abc import Callable

from patron_sync.service_layer import bulk_link, erasure, network
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer import institution as h
from patron_sync.service_layer.context import Context, NetworkContext
from patron_sync.service_layer.unit_of_work import (
    ConcurrentUpdateError,
    IzUnitOfWork,
    NzUnitOfWork,
)
from rebub_shared.messagebus import Command, Handlers, MessageBus, R

INSTITUTION_HANDLERS = Handlers[IzUnitOfWork, Context](
    {
        cmds.ApplyNzAccounts: h.apply_nz_accounts,
        cmds.LinkPatron: h.link_patron,
        cmds.LinkPatrons: bulk_link.link_patrons,
        cmds.AddIdentifier: h.add_identifier,
        cmds.AddNote: h.add_note,
        cmds.AddLocalBlock: h.add_local_block,
        cmds.LiftLocalBlock: h.lift_local_block,
        cmds.EditNote: h.edit_note,
        cmds.DeleteNote: h.delete_note,
        cmds.SetStatistic: h.set_statistic,
        cmds.MergeWaitingAccount: h.merge_confirmed,
        cmds.RemoveStatistic: h.remove_statistic,
        cmds.EditPatron: h.edit_patron,
        cmds.CreateExternalReader: h.create_reader,
        cmds.ChangeExternalReader: h.change_reader,
        cmds.CloseExternalReader: h.close_reader,
        cmds.ApplyExternalReader: h.apply_reader,
        cmds.EraseExternalReader: erasure.erase_reader,
        cmds.RequestReaderErasure: erasure.request_reader_erasure,
        cmds.CreateWaitingAccount: h.create_waiting,
    }
)

NETWORK_HANDLERS = Handlers[NzUnitOfWork, NetworkContext](
    {cmds.ImportFeed: network.import_feed, cmds.EraseAccount: erasure.erase_account}
)

RETRIES = 3


class InstitutionBus(MessageBus[IzUnitOfWork, Context]):
    """Runs an institution zone command in a fresh unit of work; a concurrent write of the same
    patron (optimistic lock) runs it again on fresh data."""

    def __init__(self, new_uow: Callable[[], IzUnitOfWork], ctx: Context) -> None:
        super().__init__(INSTITUTION_HANDLERS, new_uow, ctx)

    async def handle(self, command: Command[R]) -> R:
        for attempt in range(1, RETRIES + 1):
            try:
                return await super().handle(command)
            except ConcurrentUpdateError:
                if attempt == RETRIES:
                    raise
        raise AssertionError("unreachable")


def network_bus(
    new_uow: Callable[[], NzUnitOfWork], ctx: NetworkContext
) -> MessageBus[NzUnitOfWork, NetworkContext]:
    """Runs a network zone command (the DSI import) in a fresh unit of work."""
    return MessageBus(NETWORK_HANDLERS, new_uow, ctx)
