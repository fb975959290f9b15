"""The circulation app: ``create_app(settings, clock=None)``, the app host running the service
declared in :func:`circulation.bootstrap.circulation_spec`."""

from __future__ import annotations

from fastapi import FastAPI

from circulation.bootstrap import circulation_spec
from circulation.settings import CirculationSettings
from rebub_shared import host
from rebub_shared.clock import Clock


def create_app(settings: CirculationSettings, clock: Clock | None = None) -> FastAPI:
    """One institution's circulation service (no I/O until the lifespan starts)."""
    return host.create_app(circulation_spec(settings, clock))
