"""``python -m patron_sync``: run one instance (settings from ``REBUB_PATRON_SYNC__*``)."""

import uvicorn

from patron_sync.entrypoints.http import create_app
from patron_sync.settings import PatronSyncSettings


def main() -> None:
    settings = PatronSyncSettings()  # type: ignore[call-arg]  # tenant comes from the environment
    uvicorn.run(create_app(settings), host=settings.http.host, port=settings.http.port)


if __name__ == "__main__":
    main()
