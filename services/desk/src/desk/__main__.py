"""``python -m desk``: the web desk of one institution, settings from the environment."""

from __future__ import annotations

import uvicorn

from rebub_shared.logging import configure_logging

from .entrypoints.http import create_app
from .settings import DeskSettings


def main() -> None:
    """Run the desk with uvicorn on the configured host and port."""
    settings = DeskSettings()  # type: ignore[call-arg]  # tenant comes from the environment
    configure_logging(service="desk", tenant=settings.tenant, json=settings.log_json)
    uvicorn.run(
        create_app(settings), host=settings.http.host, port=settings.http.port, log_config=None
    )


if __name__ == "__main__":
    main()
