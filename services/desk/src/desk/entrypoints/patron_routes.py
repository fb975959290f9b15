"""The patron screen: one scan or search field, the card, the check-out loop, the account tabs."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from desk.domain.refusals import Refusal, sentence

from .web import DeskSession, State, caller, go, render

router = APIRouter()

#: A scan (card barcode or primary id) has no space; a name search needs 3 letters.
SCAN = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
PAGE = 20
TABS = {
    "prets": "Prêts",
    "demandes": "Demandes",
    "blocages": "Blocages",
    "retours": "Retours",
    "notes": "Notes",
    "reseau": "Activité réseau",
}


@router.get("/lecteur")
async def find_patron(
    request: Request, desk: State, session: DeskSession, q: str = "", offset: int = 0
) -> Response:
    """A card barcode or primary id opens the account; a name lists the matches, a page at a time.

    One word of 3 characters or more may be any of the three: with a digit it is a scan (card,
    then primary id); without, a primary id if one matches exactly (``jdupont``), else a name."""
    q = q.strip()
    if not q:
        return render(request, "lecteur_recherche.html", session, q=q)
    who = caller(session)
    try:
        if SCAN.match(q) and offset == 0:
            scanned = any(c.isdigit() for c in q)
            found = await _by_scan(desk, session, q, card=scanned)
            if found:
                return go(request, f"/lecteur/{quote(found)}")
            if scanned:
                message = f"Aucun lecteur ne porte la carte ou l'identifiant « {q} »."
                return render(request, "lecteur_recherche.html", session, q=q, message=message)
        if len(q.replace(" ", "")) < 3:
            message = "Saisissez au moins 3 lettres du nom, ou scannez la carte."
            return render(request, "lecteur_recherche.html", session, q=q, message=message)
        page = await desk.apis.patrons(
            who,
            "GET",
            "/patrons",
            params={"name": q, "offset": offset, "limit": PAGE},
        )
    except Refusal as refusal:
        message = sentence(refusal, "la recherche")
        return render(request, "lecteur_recherche.html", session, q=q, message=message)
    return render(request, "lecteur_recherche.html", session, q=q, page=page)


async def _by_scan(desk: State, session: Any, q: str, *, card: bool) -> str | None:
    """The account whose card barcode (when ``card``) or primary id is ``q``, if any."""
    who = caller(session)
    try:
        if card:
            page = await desk.apis.patrons(who, "GET", "/patrons", params={"barcode": q})
            return str(page["patrons"][0]["account_id"])
    except Refusal as refusal:
        if refusal.status != 404:
            raise
    try:
        patron = await desk.apis.patrons(who, "GET", f"/patrons/{quote(q)}")
        return str(patron["account_id"])
    except Refusal as refusal:
        if refusal.status != 404:
            raise
    return None


@router.get("/lecteur/{patron_id}")
async def patron_card(
    request: Request, desk: State, session: DeskSession, patron_id: str, onglet: str = "prets"
) -> Response:
    who = caller(session)
    try:
        patron = await desk.apis.patrons(who, "GET", f"/patrons/{quote(patron_id)}")
        account = await desk.apis.circ(who, "GET", f"/patrons/{quote(patron_id)}/account")
    except Refusal as refusal:
        message = sentence(refusal, "l'ouverture du compte")
        return render(request, "lecteur_recherche.html", session, q="", message=message)
    tab = onglet if onglet in TABS else "prets"
    return render(request, "lecteur.html", session, patron=patron, **_tabs(account, tab, patron))


@router.get("/lecteur/{patron_id}/onglet/{tab}")
async def account_tab(
    request: Request, desk: State, session: DeskSession, patron_id: str, tab: str
) -> Response:
    return await loans_tab(request, desk, session, patron_id, tab if tab in TABS else "prets")


def notes_of(patron: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The notes the institution added to the patron's account (none if not read)."""
    additions = (patron or {}).get("additions") or {}
    return list(additions.get("notes") or [])


@router.post("/lecteur/{patron_id}/pret")
async def lend(
    request: Request,
    desk: State,
    session: DeskSession,
    patron_id: str,
    item_barcode: Annotated[str, Form()] = "",
    motif: Annotated[str, Form()] = "",
    derogation: Annotated[str, Form()] = "",
) -> Response:
    """One scan of the check-out loop: a line (title, due date), or every block at once."""
    barcode = item_barcode.strip()
    if not barcode:
        return render(request, "_pret_resultat.html", session, message="Scannez un document.")
    body: dict[str, Any] = {"patron": patron_id, "item_barcode": barcode}
    overriding = derogation == "1"
    if overriding:
        if not motif.strip():
            return await _blocked_again(
                request, desk, session, patron_id, barcode, "Indiquez le motif de la dérogation."
            )
        body["override"] = {"reason": motif.strip()}
    try:
        answer = await desk.apis.circ(caller(session), "POST", "/loans", json=body)
    except Refusal as refusal:
        if refusal.blocks:
            return _blocked(
                request, session, patron_id, barcode, refusal, sentence(refusal, "le prêt")
            )
        if overriding and refusal.status == 403:
            return await _blocked_again(
                request, desk, session, patron_id, barcode, sentence(refusal, "le prêt")
            )
        return render(request, "_pret_resultat.html", session, message=sentence(refusal, "le prêt"))
    return _lent(request, session, answer["loan"], answer.get("overridden_blocks", []))


def _lent(request: Request, session: Any, loan: Any, overridden: list[Any]) -> Response:
    """The loan's line; the account's tabs reload themselves (``compte-change``)."""
    response = render(request, "_pret_resultat.html", session, loan=loan, overridden=overridden)
    response.headers["HX-Trigger"] = "compte-change"
    return response


def _blocked(
    request: Request, session: Any, patron_id: str, barcode: str, refusal: Refusal, message: str
) -> Response:
    """Every block of the refused check-out, the override form, and ``message``; the account's
    tabs and the card's blocks reload themselves (``compte-change``): a block met here may be
    newer than the card."""
    response = render(
        request,
        "_pret_resultat.html",
        session,
        blocks=refusal.blocks,
        barcode=barcode,
        patron_id=patron_id,
        message=message,
    )
    response.headers["HX-Trigger"] = "compte-change"
    return response


async def _blocked_again(
    request: Request, desk: State, session: Any, patron_id: str, barcode: str, message: str
) -> Response:
    """The blocks stay on screen with ``message`` (an override refused or without reason): the
    check-out is asked again without override, which answers every block and writes nothing."""
    body = {"patron": patron_id, "item_barcode": barcode}
    try:
        answer = await desk.apis.circ(caller(session), "POST", "/loans", json=body)
    except Refusal as refusal:
        return _blocked(request, session, patron_id, barcode, refusal, message)
    # The blocks were lifted meanwhile: the item is lent.
    return _lent(request, session, answer["loan"], [])


@router.post("/lecteur/{patron_id}/recu")
async def email_receipt(
    request: Request, desk: State, session: DeskSession, patron_id: str
) -> Response:
    """Email the receipt of each loan of this session (the notifier sends each once: the key is
    the desk session and the loan)."""
    form = await request.form()
    loan_ids = [str(v) for v in form.getlist("loan_ids")]
    if not loan_ids:
        return render(request, "_message.html", session, message="Aucun prêt dans cette session.")
    who = caller(session)
    try:
        for loan_id in loan_ids:
            key = {"Idempotency-Key": f"{session.desk_session}-{loan_id}"}
            await desk.apis.letters(who, "POST", f"/loans/{quote(loan_id)}/receipt", headers=key)
    except Refusal as refusal:
        message = sentence(refusal, "l'envoi du reçu")
        return render(request, "_message.html", session, message=message)
    count = len(loan_ids)
    done = f"Reçu envoyé par courriel ({count} document{'s' if count > 1 else ''})."
    return render(request, "_message.html", session, message=done, ok=True)


@router.post("/lecteur/{patron_id}/prolonger")
async def renew(request: Request, desk: State, session: DeskSession, patron_id: str) -> Response:
    """Renew the selected loans, or all of them; each line says renewed (new date) or why not.
    A manager's reason (``motif``) renews despite the patron's blocks that allow it."""
    form = await request.form()
    chosen = [str(v) for v in form.getlist("loan_ids")]
    everything = form.get("tout") == "1"
    body: dict[str, Any] = {"all": True} if everything else {"loan_ids": chosen}
    reason = str(form.get("motif") or "").strip()
    if reason:
        body["override"] = {"reason": reason}
    who = caller(session)
    lines: list[dict[str, Any]] = []
    message = None
    if not everything and not chosen:
        message = "Cochez au moins un prêt, ou choisissez « Tout prolonger »."
    else:
        try:
            answer = await desk.apis.circ(
                who,
                "POST",
                f"/patrons/{quote(patron_id)}/renewals",
                json=body,
            )
            lines = list(answer.get("lines", []))
        except Refusal as refusal:
            message = sentence(refusal, "la prolongation")
    renewals = {line["loan_id"]: line for line in lines}
    return await loans_tab(request, desk, session, patron_id, renewals=renewals, message=message)


async def loans_tab(
    request: Request,
    desk: State,
    session: Any,
    patron_id: str,
    tab: str = "prets",
    **context: Any,
) -> Response:
    """An account tab read again (the loans tab after an action on loans; ``context``: what it
    said); the notes tab also reads the patron (the notes are patron-sync's), the network
    activity tab the patron's loans in the other institutions (circulation's summaries)."""
    who = caller(session)
    path = f"/patrons/{quote(patron_id)}"
    try:
        account = await desk.apis.circ(who, "GET", f"{path}/account")
        patron = await desk.apis.patrons(who, "GET", path) if tab == "notes" else None
        if tab == "reseau":
            context["network"] = await desk.apis.circ(who, "GET", f"{path}/network-activity")
    except Refusal as refusal:
        return render(
            request, "_message.html", session, message=sentence(refusal, "la lecture du compte")
        )
    shown = _tabs(account, tab, patron)
    return render(
        request, "_onglets.html", session, patron_id=patron_id, oob_blocks=True, **shown, **context
    )


def _tabs(account: Any, tab: str, patron: dict[str, Any] | None) -> dict[str, Any]:
    """What the account's tabs show (``tab`` open; the notes when the patron was read), and the
    notes that pop up: only those staff flagged ``at_desk``. They are taken from patron-sync's
    answer read just now (the notes' owner) rather than circulation's ``desk_notes``, its copy
    through the patron topic, which may lag a note added a moment ago."""
    notes = notes_of(patron)
    shown_at_desk = [note for note in notes if note.get("at_desk")]
    return {
        "account": account,
        "tab": tab,
        "tabs": TABS,
        "notes": notes,
        "desk_notes": shown_at_desk,
    }
