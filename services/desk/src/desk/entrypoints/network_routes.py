"""The network team's page: topic flows, lag per group, dead letters, and each institution's last
imports with their rejects, refreshed without reload."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from desk.domain.refusals import Refusal, sentence
from rebub_shared.tenancy import institution_codes

from .web import ObserverSession, State, caller, render

log = structlog.get_logger(__name__)
router = APIRouter()


@router.get("/reseau")
async def network_page(request: Request, desk: State, session: ObserverSession) -> Response:
    settings = desk.settings
    return render(
        request,
        "reseau.html",
        session,
        every_s=settings.network_refresh_s,
        imports_every_s=settings.imports_refresh_s,
    )


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


@router.get("/reseau/imports")
async def network_imports(request: Request, desk: State, session: ObserverSession) -> Response:
    """Each institution's last imports with their rejects (htmx replaces them now and then)."""
    try:
        found = await desk.imports.latest(caller(session))
    except Refusal as refusal:
        message = sentence(refusal, "la lecture des imports")
        return render(request, "_imports.html", session, message=message)
    by_source: dict[str, list[dict[str, object]]] = {code: [] for code in institution_codes()}
    for entry in found:
        by_source.setdefault(str(entry["source"]), []).append(entry)
    return render(request, "_imports.html", session, by_source=by_source)
