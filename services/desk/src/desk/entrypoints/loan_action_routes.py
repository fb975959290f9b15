"""Actions on the selected loans of the loans tab: change the due date, declare lost, claimed
returned (circulation's ``/patrons/{id}/due-date``, ``/loans/{id}/lost`` and
``/loans/{id}/claimed-returned``; its roles decide: a desk operator is refused, in French).

Each loan's line then says what was done or why not; the tab is read again after.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from desk.domain.refusals import Refusal, sentence
from desk.domain.wording import instant_text, parse_instant

from .patron_routes import loans_tab
from .web import DeskSession, State, caller

router = APIRouter()

#: The desk's action -> (circulation's path after ``/loans/{id}``, what is done, done line).
ACTIONS = {
    "perdu": ("lost", "la déclaration de perte", "Déclaré perdu"),
    "conteste": ("claimed-returned", "l'enregistrement du retour contesté", "Retour contesté"),
}
NOTHING_CHOSEN = "Cochez au moins un prêt."


async def _chosen(request: Request) -> list[str]:
    form = await request.form()
    return [str(v) for v in form.getlist("loan_ids")]


@router.post("/lecteur/{patron_id}/prets/date")
async def change_due_date(
    request: Request,
    desk: State,
    session: DeskSession,
    patron_id: str,
    nouvelle_date: Annotated[str, Form()] = "",
) -> Response:
    """The selected loans due on a day (at the library's closing time); any refusal changes
    none of them."""
    chosen = await _chosen(request)
    if not chosen or not nouvelle_date:
        missing = NOTHING_CHOSEN if not chosen else "Choisissez la nouvelle date de retour."
        return await loans_tab(request, desk, session, patron_id, message=missing)
    body = {"loan_ids": chosen, "due_date": nouvelle_date}
    done: dict[str, str] = {}
    message: str | None = None
    try:
        answer = await desk.apis.circ(
            caller(session), "POST", f"/patrons/{quote(patron_id)}/due-date", json=body
        )
        for line in answer["lines"]:
            when = instant_text(parse_instant(line["due_at"]))
            done[line["loan_id"]] = f"Date changée : {when}"
    except Refusal as refusal:
        message = sentence(refusal, "le changement de date de retour")
    return await loans_tab(request, desk, session, patron_id, done=done, message=message)


@router.post("/lecteur/{patron_id}/prets/{action}")
async def act_on_loans(
    request: Request, desk: State, session: DeskSession, patron_id: str, action: str
) -> Response:
    """Declare the selected loans lost, or claimed returned: each loan on its own."""
    if action not in ACTIONS:
        return await loans_tab(request, desk, session, patron_id, message="Action inconnue.")
    chosen = await _chosen(request)
    if not chosen:
        return await loans_tab(request, desk, session, patron_id, message=NOTHING_CHOSEN)
    path, doing, done_text = ACTIONS[action]
    done: dict[str, str] = {}
    refusals: list[str] = []
    for loan_id in chosen:
        try:
            await desk.apis.circ(caller(session), "POST", f"/loans/{quote(loan_id)}/{path}")
            done[loan_id] = done_text
        except Refusal as refusal:
            done[loan_id] = f"Refusé : {sentence(refusal, doing)}"
            refusals.append(done[loan_id])
    message = refusals[0] if refusals and len(set(refusals)) == 1 else None
    return await loans_tab(request, desk, session, patron_id, done=done, message=message)
