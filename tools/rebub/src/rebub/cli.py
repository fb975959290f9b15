"""The rebub command."""


def main() -> None:
    """Entry point placeholder, replaced by the foundation's CLI."""
