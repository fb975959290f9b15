"""rebub."""
