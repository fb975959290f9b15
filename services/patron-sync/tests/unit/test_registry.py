"""Every patron-sync command has exactly one handler, in the registry of its zone."""

from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.registry import INSTITUTION_HANDLERS, NETWORK_HANDLERS
from rebub_shared.messagebus import command_types


def test_every_command_has_a_handler_in_one_zone() -> None:
    institution = INSTITUTION_HANDLERS.command_types()
    network = NETWORK_HANDLERS.command_types()

    assert institution | network == command_types("patron_sync")
    assert not institution & network
    assert network == {cmds.ImportFeed, cmds.EraseAccount}
