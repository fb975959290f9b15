"""``python -m circulation``: the desk API and the patron projection, settings from the environment."""

from __future__ import annotations

import uvicorn

from rebub_shared.logging import configure_logging

from .entrypoints.http import create_app
from .settings import CirculationSettings


def main() -> None:
    """Run the service with uvicorn on the configured host and port."""
    settings = CirculationSettings()  # type: ignore[call-arg]  # tenant comes from the environment
    configure_logging(service="circulation", tenant=settings.tenant, json=settings.log_json)
    # log_config=None: uvicorn's own loggers go through the structlog configuration above
    uvicorn.run(
        create_app(settings), host=settings.http.host, port=settings.http.port, log_config=None
    )


if __name__ == "__main__":
    main()
