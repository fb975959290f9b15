"""rebub_shared."""
