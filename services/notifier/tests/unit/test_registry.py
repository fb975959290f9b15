"""Every notifier command has a handler in the bus's table."""

from notifier.service_layer import HANDLERS, RunDailyPass, SendHoldAvailable
from rebub_shared.messagebus import command_types


def test_every_command_type_has_a_handler() -> None:
    declared = command_types("notifier")

    assert HANDLERS.command_types() == declared
    assert {RunDailyPass, SendHoldAvailable} <= declared  # the commands are found at all
