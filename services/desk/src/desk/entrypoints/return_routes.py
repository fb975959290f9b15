"""The returns screen: continuous scanning, each line's next step in large type, backdating."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from desk.domain.refusals import Refusal, sentence
from desk.domain.wording import patron_name
from rebub_shared.clock import PARIS

from .web import DeskSession, State, caller, render

router = APIRouter()


@router.get("/retours")
async def returns_screen(request: Request, session: DeskSession) -> Response:
    return render(request, "retours.html", session)


@router.post("/retours")
async def return_item(
    request: Request,
    desk: State,
    session: DeskSession,
    item_barcode: Annotated[str, Form()] = "",
    rendu_le: Annotated[str, Form()] = "",
) -> Response:
    """One scan: the item checked in (maybe backdated, Paris time) and what to do with it."""
    barcode = item_barcode.strip()
    if not barcode:
        return render(request, "_retour_ligne.html", session, message="Scannez un document.")
    body: dict[str, Any] = {"item_barcode": barcode}
    if rendu_le:
        try:
            body["returned_at"] = datetime.fromisoformat(rendu_le).replace(tzinfo=PARIS).isoformat()
        except ValueError:
            message = "Date de retour illisible : utilisez le sélecteur de date."
            return render(request, "_retour_ligne.html", session, barcode=barcode, message=message)
    try:
        line = await desk.apis.circ(caller(session), "POST", "/returns", json=body)
    except Refusal as refusal:
        message = sentence(refusal, "le retour")
        return render(request, "_retour_ligne.html", session, barcode=barcode, message=message)
    requester = await _requester(desk, session, line)
    return render(
        request, "_retour_ligne.html", session, barcode=barcode, line=line, requester=requester
    )


async def _requester(desk: State, session: Any, line: dict[str, Any]) -> str | None:
    """Who the item is now kept for (a hold): their name, as the hold shelf's slip says it."""
    request_id, loan = line.get("request_id"), line.get("loan")
    if not request_id or not loan:
        return None
    who = caller(session)
    try:
        queue = await desk.apis.circ(who, "GET", f"/loans/{quote(loan['loan_id'])}/requests")
        [patron_id] = [
            r["patron_id"] for r in queue["requests"] if r["request_id"] == request_id
        ] or [None]
        if patron_id is None:
            return None
        patron = await desk.apis.patrons(who, "GET", f"/patrons/{quote(patron_id)}")
    except Refusal:
        return None  # the step is shown all the same, without the name
    return patron_name(patron["record"]) or None
