"""``python -m circulation``: the desk API and the patron projection, settings from the environment."""

from __future__ import annotations

from rebub_shared.serving import serve

from .entrypoints.http import create_app
from .settings import CirculationSettings


def main() -> None:
    """Run the service with uvicorn on the configured host and port."""
    # the tenant comes from the environment
    serve("circulation", CirculationSettings(), create_app)  # type: ignore[call-arg]


if __name__ == "__main__":
    main()
