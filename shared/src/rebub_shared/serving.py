"""What ``python -m <service>`` does for every service: its logging configured, then its
app served by uvicorn on the settings' host and port."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from rebub_shared.logging import configure_logging
from rebub_shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(service: str, settings: S, create_app: Callable[[S], FastAPI]) -> None:
    """Run ``create_app(settings)`` until stopped, logging as ``service`` for the settings' tenant."""
    configure_logging(service=service, tenant=settings.tenant, json=settings.log_json)
    # log_config=None: uvicorn's own loggers go through the structlog configuration above
    uvicorn.run(
        create_app(settings), host=settings.http.host, port=settings.http.port, log_config=None
    )
