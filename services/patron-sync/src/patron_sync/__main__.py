"""``python -m patron_sync``: run one instance (settings from ``REBUB_PATRON_SYNC__*``)."""

import uvicorn

from patron_sync.entrypoints.http import create_app
from patron_sync.settings import PatronSyncSettings
from rebub_shared.logging import configure_logging


def main() -> None:
    settings = PatronSyncSettings()  # type: ignore[call-arg]  # tenant comes from the environment
    configure_logging(service="patron-sync", tenant=settings.tenant, json=settings.log_json)
    # log_config=None: uvicorn's own loggers go through the structlog configuration above
    uvicorn.run(
        create_app(settings), host=settings.http.host, port=settings.http.port, log_config=None
    )


if __name__ == "__main__":
    main()
