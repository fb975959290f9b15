"""The network team's page: topic flows, lag per group, dead letters, refreshed without reload."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from .web import ObserverSession, State, render

log = structlog.get_logger(__name__)
router = APIRouter()


@router.get("/reseau")
async def network_page(request: Request, desk: State, session: ObserverSession) -> Response:
    return render(request, "reseau.html", session, every_s=desk.settings.network_refresh_s)


@router.get("/reseau/flux")
async def network_flows(request: Request, desk: State, session: ObserverSession) -> Response:
    """The table alone (htmx replaces it every few seconds)."""
    try:
        snapshot = await desk.flows.read()
    except Exception as error:  # any broker failure: a sentence, the page keeps polling
        log.warning("flows unavailable", error=str(error))
        message = "Le bus de messages ne répond pas : nouvelle tentative dans un instant."
        return render(request, "_flux.html", session, message=message)
    return render(request, "_flux.html", session, snapshot=snapshot, totals=snapshot.as_json())
