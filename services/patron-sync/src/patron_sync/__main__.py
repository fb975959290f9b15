"""``python -m patron_sync``: run one instance (settings from ``REBUB_PATRON_SYNC__*``)."""

from patron_sync.entrypoints.http import create_app
from patron_sync.settings import PatronSyncSettings
from rebub_shared.serving import serve


def main() -> None:
    """Run the instance with uvicorn on the configured host and port."""
    # the tenant comes from the environment
    serve("patron-sync", PatronSyncSettings(), create_app)  # type: ignore[call-arg]


if __name__ == "__main__":
    main()
