"""Every circulation command has a handler in the bus's table."""

from circulation.service_layer import commands, loan_commands, request_commands
from circulation.service_layer.handlers import HANDLERS
from rebub_shared.messagebus import command_types


def test_every_command_type_has_a_handler() -> None:
    declared = command_types("circulation")

    assert HANDLERS.command_types() == declared
    # the three modules of commands are all counted (the base classes are not commands)
    assert {c.__module__ for c in declared} == {
        commands.__name__,
        loan_commands.__name__,
        request_commands.__name__,
    }
