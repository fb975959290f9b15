"""The patron's screens against recorded answers of patron-sync and circulation: finding the
patron (card, primary id, name with paging), the card (French date, group name, the notes that pop
up), the account's tabs, renewals of a selection, a backdated return, and the controls each role
is shown."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.testclient import TestClient

from .conftest import Desk

MANAGER = ("desk-operator", "circulation-manager")


def _note(note_id: str, text: str, at_desk: bool) -> dict[str, Any]:
    return {
        "note_id": note_id,
        "text": text,
        "created_at": "2026-11-02T09:15:00Z",
        "created_by": "ub-desk",
        "at_desk": at_desk,
        "edited_at": None,
        "edited_by": None,
    }


PATRON = {
    "account_id": "P1",
    "record": {
        "primary_id": "P1",
        "last_name": "Lestrade",
        "first_name": "Margaux",
        "user_group": "L",
        "expiry_date": "2027-09-30",
        "source_institution": "ub",
    },
    "additions": {
        "notes": [
            _note("N1", "Carte à renouveler en septembre", at_desk=True),
            _note("N2", "A prévenu de son déménagement", at_desk=False),
        ]
    },
}

ACCOUNT = {
    "loans": [
        {
            "loan_id": "L-1",
            "title": "Les Misérables",
            "item_barcode": "UB100",
            "due_at": "2026-12-15T18:00:00Z",
            "renewal_count": 0,
            "status": "active",
        },
        {
            "loan_id": "L-2",
            "title": "Germinal",
            "item_barcode": "UB101",
            "due_at": "2026-12-15T18:00:00Z",
            "renewal_count": 1,
            "status": "active",
        },
    ],
    "requests": [
        {
            "request_id": "R1",
            "title": "Madame Bovary",
            "item_barcode": "UB200",
            "pickup_library": "BUST",
            "status": "waiting",
            "position": 2,
        }
    ],
    "blocks": [
        {
            "kind": "local_block",
            "message": "local block 'CAUTION': Caution non versée",
            "overridable": True,
        }
    ],
    "returns": [
        {"title": "Le Horla", "item_barcode": "UB300", "returned_at": "2026-11-20T16:30:00Z"}
    ],
}


def _apis(asked: list[str]) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.method} {request.url.host}{request.url.path}")
        if request.url.host == "patron-sync":
            return httpx.Response(200, json=PATRON)
        return httpx.Response(200, json=ACCOUNT)

    return answer


def _card(client: TestClient, desk: Desk) -> str:
    """The patron P1's card, opened by a desk operator, the APIs answering ``PATRON`` and
    ``ACCOUNT``."""
    desk.log_in()
    desk.answering(_apis([]))
    return client.get("/lecteur/P1").text


def test_the_card_pops_up_only_the_notes_flagged_for_the_desk(
    client: TestClient, desk: Desk
) -> None:
    page = _card(client, desk)
    dialog = page.split('<dialog id="notes-lecteur"', 1)[1].split("</dialog>", 1)[0]
    assert "Carte à renouveler en septembre" in dialog
    assert "déménagement" not in dialog
    # the notes tab shows them all, the flagged one marked
    notes = client.get("/lecteur/P1/onglet/notes").text
    assert "Carte à renouveler en septembre <em>(affichée au poste)</em>" in notes
    assert "<td>A prévenu de son déménagement</td>" in notes


def test_no_dialog_when_no_note_is_flagged_for_the_desk(client: TestClient, desk: Desk) -> None:
    desk.log_in()
    unflagged = PATRON | {"additions": {"notes": [_note("N2", "Déménagement", at_desk=False)]}}

    def apis(request: httpx.Request) -> httpx.Response:
        body = unflagged if request.url.host == "patron-sync" else ACCOUNT
        return httpx.Response(200, json=body)

    desk.answering(apis)
    assert "<dialog" not in client.get("/lecteur/P1").text


def test_the_card_says_the_expiry_in_french_and_the_groups_name(
    client: TestClient, desk: Desk
) -> None:
    page = _card(client, desk)
    assert "<dt>Groupe</dt><dd>Étudiant licence (1er cycle)</dd>" in page  # ub's policy
    assert "<dd>jeudi 30 septembre 2027</dd>" in page


def test_the_requests_returns_and_blocks_tabs(client: TestClient, desk: Desk) -> None:
    _card(client, desk)
    requests = client.get("/lecteur/P1/onglet/demandes").text
    assert "<td>Madame Bovary</td><td>UB200</td><td>BUST</td><td>en attente (rang 2)</td>" in (
        requests
    )
    assert "Demandes\n      (1)" in requests
    returns = client.get("/lecteur/P1/onglet/retours").text
    assert "<td>Le Horla</td><td>UB300</td><td>vendredi 20 novembre 2026 à 17 h 30</td>" in returns
    blocks = client.get("/lecteur/P1/onglet/blocages").text
    assert "<li>Blocage posé par la bibliothèque : CAUTION — Caution non versée.</li>" in blocks


def test_a_block_met_at_a_scan_reaches_the_card_without_reopening_it(
    client: TestClient, desk: Desk
) -> None:
    """The card was read before the block was placed: the refused scan asks the page to read the
    account again (compte-change), and that read sends the card's blocks out of band."""
    csrf = desk.log_in()
    unblocked = ACCOUNT | {"blocks": []}
    blocked = {"status": 409, "title": "Checkout blocked", "blocks": ACCOUNT["blocks"]}
    answers = {"account": unblocked}

    def apis(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(409, json=blocked)
        if request.url.host == "patron-sync":
            return httpx.Response(200, json=PATRON)
        return httpx.Response(200, json=answers["account"])

    desk.answering(apis)
    assert "Aucun blocage : le lecteur peut emprunter." in client.get("/lecteur/P1").text
    answers["account"] = ACCOUNT  # the library placed a block meanwhile
    scan = client.post(
        "/lecteur/P1/pret", data={"item_barcode": "UB999"}, headers={"X-CSRF-Token": csrf}
    )
    assert scan.headers["HX-Trigger"] == "compte-change"
    tab = client.get("/lecteur/P1/onglet/prets").text
    card = tab.split('<section id="blocages"', 1)[1].split("</section>", 1)[0]
    assert 'hx-swap-oob="true"' in card
    assert "Blocage posé par la bibliothèque : CAUTION — Caution non versée." in card
    assert "Aucun blocage" not in card


def test_a_desk_operator_is_not_shown_the_managers_controls(client: TestClient, desk: Desk) -> None:
    csrf = desk.log_in()
    blocked = {
        "status": 409,
        "title": "Checkout blocked",
        "blocks": [
            {"kind": "local_block", "message": "local block 'CAUTION': ", "overridable": True}
        ],
    }

    def apis(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(409, json=blocked)
        return _apis([])(request)

    desk.answering(apis)
    loans = client.get("/lecteur/P1/onglet/prets").text
    assert "Prolonger la sélection" in loans
    for manager_only in ("Changer la date de retour", "Déclarer perdu", "Retour contesté"):
        assert manager_only not in loans
    scan = client.post(
        "/lecteur/P1/pret", data={"item_barcode": "UB999"}, headers={"X-CSRF-Token": csrf}
    ).text
    assert "Ce prêt est bloqué" in scan
    assert "Seul un responsable de la circulation peut prêter malgré le blocage" in scan
    assert "Motif de la dérogation" not in scan

    manager_csrf = desk.log_in(MANAGER)
    loans = client.get("/lecteur/P1/onglet/prets").text
    for manager_only in ("Changer la date de retour", "Déclarer perdu", "Retour contesté"):
        assert manager_only in loans
    scan = client.post(
        "/lecteur/P1/pret", data={"item_barcode": "UB999"}, headers={"X-CSRF-Token": manager_csrf}
    ).text
    assert "Motif de la dérogation" in scan
    assert "Seul un responsable" not in scan


def test_renewing_a_selection_sends_those_loans_and_says_each_outcome(
    client: TestClient, desk: Desk
) -> None:
    csrf = desk.log_in()
    bodies: list[object] = []

    def apis(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            assert request.url.path == "/patrons/P1/renewals"
            bodies.append(json.loads(request.content))
            lines = [
                {"loan_id": "L-1", "renewed": True},
                {"loan_id": "L-2", "renewed": False, "refusal": "RecalledLoanNotRenewable"},
            ]
            return httpx.Response(200, json={"lines": lines})
        return _apis([])(request)

    desk.answering(apis)
    headers = {"X-CSRF-Token": csrf}
    chosen = {"loan_ids": ["L-1", "L-2"], "tout": "0"}
    page = client.post("/lecteur/P1/prolonger", data=chosen, headers=headers).text
    assert bodies == [{"loan_ids": ["L-1", "L-2"]}]
    assert '<td class="prolongation">Prolongé</td>' in page
    assert "Refusé : un autre lecteur a demandé ce document" in page
    nothing = client.post("/lecteur/P1/prolonger", data={"tout": "0"}, headers=headers).text
    assert "Cochez au moins un prêt" in nothing
    assert len(bodies) == 1  # nothing chosen: nothing asked


def test_a_manager_renews_despite_the_blocks_with_a_reason_a_desk_operator_is_not_offered_it(
    client: TestClient, desk: Desk
) -> None:
    bodies: list[object] = []

    def apis(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            bodies.append(json.loads(request.content))
            return httpx.Response(200, json={"lines": [{"loan_id": "L-1", "renewed": True}]})
        return _apis([])(request)

    desk.answering(apis)
    desk.log_in()
    assert 'name="motif"' not in client.get("/lecteur/P1/onglet/prets").text
    csrf = desk.log_in(MANAGER)
    assert 'name="motif"' in client.get("/lecteur/P1/onglet/prets").text
    form = {"tout": "1", "motif": "  Thèse soutenue le 15 mars  "}
    client.post("/lecteur/P1/prolonger", data=form, headers={"X-CSRF-Token": csrf})
    client.post("/lecteur/P1/prolonger", data={"tout": "1"}, headers={"X-CSRF-Token": csrf})
    assert bodies == [
        {"all": True, "override": {"reason": "Thèse soutenue le 15 mars"}},
        {"all": True},  # no reason: no override asked
    ]


def test_a_backdated_return_is_sent_in_paris_time(client: TestClient, desk: Desk) -> None:
    csrf = desk.log_in()
    bodies: list[object] = []

    def circulation(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        line = {
            "loan": {"loan_id": "L-1", "title": "Les Misérables"},
            "days_late": 3,
            "suspended_until": "2026-11-30",
            "next_step": {"kind": "reshelve", "library": "BUST", "location": "BUST-LA"},
            "request_id": None,
        }
        return httpx.Response(200, json=line)

    desk.answering(circulation)
    headers = {"X-CSRF-Token": csrf}
    form = {"item_barcode": "UB100", "rendu_le": "2026-11-20T08:30"}
    line = client.post("/retours", data=form, headers=headers).text
    # 8:30 in Paris in November is 7:30 UTC: the offset goes with it
    assert bodies == [{"item_barcode": "UB100", "returned_at": "2026-11-20T08:30:00+01:00"}]
    assert "Remettre en rayon : BUST / BUST-LA" in line
    assert "Rendu avec 3 jours de retard." in line
    assert "Lecteur suspendu jusqu'au lundi 30 novembre 2026 inclus." in line
    bad = client.post("/retours", data=form | {"rendu_le": "hier"}, headers=headers).text
    assert "Date de retour illisible" in bad
    assert len(bodies) == 1


def test_a_card_then_a_primary_id_is_looked_up_and_opens_the_account(
    client: TestClient, desk: Desk
) -> None:
    desk.log_in()
    asked: list[str] = []

    def patrons(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url).removeprefix("http://patron-sync"))
        if request.url.path == "/patrons/2026000123":
            return httpx.Response(200, json=PATRON | {"account_id": "P1"})
        return httpx.Response(404, json={"status": 404, "title": "Not found"})

    desk.answering(patrons)
    opened = client.get("/lecteur", params={"q": "2026000123"}, follow_redirects=False)
    assert opened.headers["location"] == "/lecteur/P1"
    assert asked == ["/patrons?barcode=2026000123", "/patrons/2026000123"]
    unknown = client.get("/lecteur", params={"q": "CARD404"}).text
    assert "Aucun lecteur ne porte la carte ou l&#39;identifiant « CARD404 »." in unknown


def test_a_primary_id_without_a_digit_is_tried_before_the_name(
    client: TestClient, desk: Desk
) -> None:
    desk.log_in()
    asked: list[str] = []
    names = {"patrons": [PATRON], "total": 1, "offset": 0, "limit": 20, "next_offset": None}

    def patrons(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url).removeprefix("http://patron-sync"))
        if request.url.path == "/patrons/jdupont":
            return httpx.Response(200, json=PATRON | {"account_id": "jdupont"})
        if request.url.path == "/patrons":
            return httpx.Response(200, json=names)
        return httpx.Response(404, json={"status": 404, "title": "Not found"})

    desk.answering(patrons)
    opened = client.get("/lecteur", params={"q": "jdupont"}, follow_redirects=False)
    assert opened.headers["location"] == "/lecteur/jdupont"
    assert asked == ["/patrons/jdupont"]  # no card has no digit: no barcode lookup
    asked.clear()
    found = client.get("/lecteur", params={"q": "lestr"}).text
    assert asked == ["/patrons/lestr", "/patrons?name=lestr&offset=0&limit=20"]
    assert "LESTRADE Margaux" in found


def test_a_name_search_pages_by_twenty(client: TestClient, desk: Desk) -> None:
    desk.log_in()
    asked: list[str] = []

    def patrons(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url).removeprefix("http://patron-sync"))
        page = {"patrons": [PATRON], "total": 41, "offset": 20, "limit": 20, "next_offset": 40}
        return httpx.Response(200, json=page)

    desk.answering(patrons)
    page = client.get("/lecteur", params={"q": "martin chl", "offset": 20}).text
    assert asked == ["/patrons?name=martin+chl&offset=20&limit=20"]
    assert "41 lecteurs trouvés" in page
    assert 'href="/lecteur?q=martin%20chl&amp;offset=0">Page précédente' in page
    assert 'href="/lecteur?q=martin%20chl&amp;offset=40">Page suivante' in page
    # page 2 of a one-word name goes straight to the names (the id was tried on page 1)
    asked.clear()
    client.get("/lecteur", params={"q": "lestr", "offset": 20})
    assert asked == ["/patrons?name=lestr&offset=20&limit=20"]
