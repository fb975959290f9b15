"""``python -m desk``: the web desk of one institution, settings from the environment."""

from __future__ import annotations

from rebub_shared.serving import serve

from .entrypoints.http import create_app
from .settings import DeskSettings


def main() -> None:
    """Run the desk with uvicorn on the configured host and port."""
    # the tenant comes from the environment
    serve("desk", DeskSettings(), create_app)  # type: ignore[call-arg]


if __name__ == "__main__":
    main()
