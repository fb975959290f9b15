"""patron_sync."""
