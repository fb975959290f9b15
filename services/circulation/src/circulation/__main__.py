"""``python -m circulation``: the desk API and the patron projection, settings from the environment."""

from __future__ import annotations

import uvicorn

from .entrypoints.http import create_app
from .settings import CirculationSettings


def main() -> None:
    """Run the service with uvicorn on the configured host and port."""
    settings = CirculationSettings()  # type: ignore[call-arg]  # tenant comes from the environment
    uvicorn.run(create_app(settings), host=settings.http.host, port=settings.http.port)


if __name__ == "__main__":
    main()
