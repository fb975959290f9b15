"""Service layer: commands, their handlers (plain functions in ``handlers.HANDLERS``), the unit of
work and its repositories (ports), and the message bus that runs a command then relays its events.
"""
