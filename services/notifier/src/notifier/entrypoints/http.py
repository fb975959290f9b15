"""The notifier app: ``create_app(settings, clock=None)``, the app host running the notifier
declared in :func:`notifier.bootstrap.notifier_spec`."""

from __future__ import annotations

from fastapi import FastAPI

from rebub_shared import host
from rebub_shared.clock import Clock

from ..bootstrap import notifier_spec
from ..settings import NotifierSettings


def create_app(settings: NotifierSettings, clock: Clock | None = None) -> FastAPI:
    """The notifier of one institution; ``clock`` (a MovableClock in tests) replaces the system's."""
    return host.create_app(notifier_spec(settings, clock))
