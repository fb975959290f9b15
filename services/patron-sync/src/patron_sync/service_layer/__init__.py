"""Commands, their handlers (plain functions, an explicit registry) and the units of work."""
