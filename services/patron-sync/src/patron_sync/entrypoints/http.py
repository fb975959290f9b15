"""The patron-sync app: the app host running the instance declared by the bootstrap."""

from fastapi import FastAPI

from patron_sync.bootstrap import patron_sync_spec
from patron_sync.settings import PatronSyncSettings
from rebub_shared import host
from rebub_shared.clock import Clock


def create_app(settings: PatronSyncSettings, clock: Clock | None = None) -> FastAPI:
    """The app of one instance: network role (imports) or institution role (desk API)."""
    return host.create_app(patron_sync_spec(settings, clock))
