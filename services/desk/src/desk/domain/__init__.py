"""What the desk says: French words for dates, blocks, next steps and refusals (no I/O)."""
