"""The desk's lists: the hold shelf, expired holds, items to pick from the shelves, items in
transit, for the library of the chosen desk (circulation's ``/libraries/{lib}/requests/{which}``).

The four lists are asked at once; each patron is named once (patron-sync), as on the hold
shelf's slip; a list or a name that cannot be read leaves a sentence, never an empty screen.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from desk.adapters.apis import Caller
from desk.domain.refusals import Refusal, sentence
from desk.domain.wording import WORK_LISTS, patron_name

from .web import DeskSession, DeskState, State, caller, render

router = APIRouter()


@router.get("/listes")
async def work_lists(request: Request, desk: State, session: DeskSession) -> Response:
    place = desk.desk(session.desk)
    if place is None:  # a desk no longer in the policy
        return render(request, "listes.html", session, lists=[], message="Poste inconnu.")
    who = caller(session)
    answers = await asyncio.gather(*(_list(desk, who, place.library, w) for w in WORK_LISTS))
    wanted = {r["patron_id"] for a in answers if isinstance(a, dict) for r in a["requests"]}
    names = await _names(desk, who, sorted(p for p in wanted if p))
    lists = [
        {"which": which, "title": title, "answer": answer, "names": names}
        for (which, title), answer in zip(WORK_LISTS.items(), answers, strict=True)
    ]
    return render(request, "listes.html", session, lists=lists, library=place.library_name)


async def _list(desk: DeskState, who: Caller, library: str, which: str) -> dict[str, Any] | str:
    """The list's answer, or the sentence saying why it could not be read."""
    path = f"/libraries/{quote(library)}/requests/{which}"
    try:
        answer: dict[str, Any] = await desk.apis.circ(who, "GET", path)
    except Refusal as refusal:
        return sentence(refusal, "la lecture de la liste")
    return answer


async def _names(desk: DeskState, who: Caller, patron_ids: list[str]) -> dict[str, str]:
    """``LAST first`` of each patron found (an unknown or unreadable one keeps its id)."""

    async def name(patron_id: str) -> tuple[str, str]:
        try:
            patron = await desk.apis.patrons(who, "GET", f"/patrons/{quote(patron_id)}")
        except Refusal:
            return patron_id, patron_id
        return patron_id, patron_name(patron.get("record", {})) or patron_id

    return dict(await asyncio.gather(*(name(p) for p in patron_ids)))
