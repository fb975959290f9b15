"""The desk's app without servers: the login starts a PKCE code flow and leaves only an opaque
HttpOnly cookie in the browser; a refused or unreachable API is a French sentence on the page."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import httpx
from fastapi.testclient import TestClient

from desk.adapters.network_imports import NetworkImports

from .conftest import Desk, desk_client


def test_login_starts_a_pkce_code_flow_and_sets_only_an_opaque_cookie(
    client: TestClient, desk: Desk
) -> None:
    assert client.get("/lecteur", follow_redirects=False).headers["location"] == "/connexion"
    answer = client.get("/connexion", follow_redirects=False)
    target = urlparse(answer.headers["location"])
    query = parse_qs(target.query)
    assert target.path == "/realms/rebub/protocol/openid-connect/auth"
    assert query["client_id"] == ["rebub-desk-ub"]
    assert query["redirect_uri"] == ["http://desk.test/connexion/retour"]
    assert query["code_challenge_method"] == ["S256"]
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    # a way back with a state that is not the session's is refused, in French
    back = client.get("/connexion/retour", params={"code": "x", "state": "forged"})
    assert back.status_code == 400
    assert "La connexion n" in back.text
    assert "recommencez" in back.text


def test_a_post_without_the_session_token_is_refused(client: TestClient, desk: Desk) -> None:
    desk.log_in()
    answer = client.post("/retours", data={"item_barcode": "UB1"})
    assert answer.status_code == 403
    assert "La page a expiré" in answer.text


def test_a_refused_checkout_is_a_sentence_never_json(client: TestClient, desk: Desk) -> None:
    csrf = desk.log_in()
    problem = {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "no item ZZ9999 in ub",
        "errors": [{"field": "item_barcode", "value": "ZZ9999", "message": "unknown"}],
    }

    def circulation(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer access"  # the user's own token
        assert request.headers["x-desk"] == "BUST-PRET"
        assert json.loads(request.content) == {"patron": "P1", "item_barcode": "ZZ9999"}
        return httpx.Response(
            404, json=problem, headers={"content-type": "application/problem+json"}
        )

    desk.answering(circulation)
    answer = client.post(
        "/lecteur/P1/pret", data={"item_barcode": "ZZ9999"}, headers={"X-CSRF-Token": csrf}
    )
    assert answer.status_code == 200
    assert "Introuvable : le code-barres du document n" in answer.text
    assert "no item" not in answer.text
    assert "{" not in answer.text


def test_an_unreachable_service_is_a_sentence(client: TestClient, desk: Desk) -> None:
    csrf = desk.log_in()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    desk.answering(down)
    answer = client.post("/retours", data={"item_barcode": "UB1"}, headers={"X-CSRF-Token": csrf})
    assert "Le service de circulation ne répond pas" in answer.text


def test_the_network_page_is_for_the_network_team(client: TestClient, desk: Desk) -> None:
    desk.log_in()
    answer = client.get("/reseau")
    assert answer.status_code == 403
    assert "réservée à l" in answer.text
    assert client.get("/nulle-part").status_code == 404


OVERVIEW = [
    {
        "id": "ub-20261005T070000000000-ab12cd34",
        "source": "ub",
        "mode": "full",
        "file_name": "ub-2026-10-05.csv",
        "received_at": "2026-10-05T07:00:00Z",
        "outcome": "applied",
        "refusal": None,
        "received": 12,
        "created": 9,
        "updated": 1,
        "unchanged": 0,
        "absent": 3,
        "rejected": 2,
        "rejects": [
            {
                "position": 4,
                "position_kind": "line",
                "field": "primary_id",
                "reason": "duplicate primary id …, first at 2",
            },
            {
                "position": 9,
                "position_kind": "line",
                "field": "expiry_date",
                "reason": "not a date YYYY-MM-DD",
            },
        ],
    },
    {
        "id": "bsa-20261005T060000000000-ee00ff11",
        "source": "bsa",
        "mode": "delta",
        "file_name": "bsa.xml",
        "received_at": "2026-10-05T06:00:00Z",
        "outcome": "refused",
        "refusal": "feed 'bsa.xml' refused (line 1): UTF-16 is not accepted (UTF-8 is expected)",
    },
]


def test_the_network_page_shows_each_institutions_last_imports_with_their_rejects(
    client: TestClient, desk: Desk
) -> None:
    desk.log_in(("network-observer",), "network")
    asked: list[str] = []

    def network_zone(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.url.path}?{request.url.query.decode()}")
        assert request.headers["authorization"] == "Bearer access"  # the observer's own token
        return httpx.Response(200, json=OVERVIEW)

    desk.state.imports = NetworkImports(
        httpx.AsyncClient(transport=httpx.MockTransport(network_zone), base_url="http://nz")
    )
    assert 'hx-get="/reseau/imports"' in client.get("/reseau").text
    page = client.get("/reseau/imports", headers={"HX-Request": "true"}).text

    assert asked == ["/import-overview?per_source=3"]
    assert "<td>ub</td><td>lundi 5 octobre 2026 à 9 h 00</td>" in page
    assert "ub-2026-10-05.csv (complet)" in page
    assert (
        "ligne 4, champ « identifiant principal » : identifiant principal en double"
        " (première occurrence en position 2)" in page
    )
    assert (
        "ligne 9, champ « date de fin de validité » : date illisible (AAAA-MM-JJ attendu)" in page
    )
    # what patron-sync did not word itself is shown as it came, marked English
    assert 'Refusé en entier : <span lang="en">feed &#39;bsa.xml&#39; refused (line 1)' in page
    assert "(message du contrôle, en anglais)" in page
    for quiet in ("ubm", "scpo", "inp"):
        assert f'<td>{quiet}</td><td colspan="9">Aucun import reçu.</td>' in page


def test_the_network_page_says_when_the_imports_cannot_be_read(
    client: TestClient, desk: Desk
) -> None:
    desk.log_in(("network-observer",), "network")

    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"status": 403, "detail": "needs network:observe"})

    desk.state.imports = NetworkImports(
        httpx.AsyncClient(transport=httpx.MockTransport(refused), base_url="http://nz")
    )
    page = client.get("/reseau/imports").text
    assert "Votre rôle ne permet pas la lecture des imports." in page
    assert "network:observe" not in page


def test_the_receipt_is_emailed_once_per_loan_of_the_session(
    client: TestClient, desk: Desk
) -> None:
    csrf = desk.log_in()
    sent: list[tuple[str, str]] = []

    def notifier(request: httpx.Request) -> httpx.Response:
        sent.append((request.url.path, request.headers["idempotency-key"]))
        return httpx.Response(201, json={"letter_id": "L1"})

    desk.answering(notifier)
    answer = client.post(
        "/lecteur/P1/recu", data={"loan_ids": ["L-1", "L-2"]}, headers={"X-CSRF-Token": csrf}
    )
    assert "Reçu envoyé par courriel (2 documents)." in answer.text
    desk_session = desk.kept().desk_session
    assert sent == [
        ("/loans/L-1/receipt", f"{desk_session}-L-1"),
        ("/loans/L-2/receipt", f"{desk_session}-L-2"),
    ]


def _hold(
    request_id: str, barcode: str, patron_id: str | None, expiry: str | None
) -> dict[str, object]:
    """A request as circulation's work lists answer it (recorded shape of ``RequestView``)."""
    return {
        "request_id": request_id,
        "kind": "hold",
        "patron_id": patron_id,
        "item_barcode": barcode,
        "title": f"Titre de {barcode}",
        "pickup_library": "BUST",
        "placed_at": "2026-11-20T09:30:00Z",
        "task": "on_hold_shelf",
        "status": "active",
        "hold_shelf_expiry": expiry,
        "recalled_loan_id": None,
        "position": None,
    }


def test_the_lists_of_the_desk_s_library_name_each_patron_once(
    client: TestClient, desk: Desk
) -> None:
    desk.log_in()
    asked: list[str] = []
    lists = {
        "hold-shelf": [_hold("R1", "UB100", "P1", "2026-11-27"), _hold("R2", "UB101", "P1", None)],
        "expired-holds": [],
        "in-transit": [_hold("R3", "UB300", "P2", None)],
    }

    def apis(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.host == "patron-sync":
            names = {"P1": ("Vernet", "Paul"), "P2": ("Martin", "Chloé")}
            last, first = names[request.url.path.rsplit("/", 1)[1]]
            return httpx.Response(200, json={"record": {"last_name": last, "first_name": first}})
        which = request.url.path.rsplit("/", 1)[1]
        if which == "pick-from-shelf":
            return httpx.Response(503, json={"status": 503, "title": "Unavailable"})
        expired = ["R1"] if which == "hold-shelf" else []
        answer = {"library": "BUST", "which": which, "requests": lists[which], "expired": expired}
        if which == "in-transit":
            held = {"barcode": "UB300", "title": "Nana", "location": "BUST-GEN", "request_id": "R3"}
            home = {
                "barcode": "UB301",
                "title": "Bel-Ami",
                "location": "BUST-GEN",
                "request_id": None,
            }
            answer["items"] = [held | {"library": "BUST"}, home | {"library": "BUST"}]
        return httpx.Response(200, json=answer)

    desk.answering(apis)
    page = client.get("/listes").text
    assert sorted(p for p in asked if p.startswith("/libraries/")) == [
        "/libraries/BUST/requests/expired-holds",
        "/libraries/BUST/requests/hold-shelf",
        "/libraries/BUST/requests/in-transit",
        "/libraries/BUST/requests/pick-from-shelf",
    ]
    assert sorted(p for p in asked if p.startswith("/patrons/")) == ["/patrons/P1", "/patrons/P2"]
    assert page.count("VERNET Paul") == 2
    assert "MARTIN Chloé" in page
    assert "vendredi 27 novembre 2026 <strong>(délai dépassé)</strong>" in page
    assert "Étagère des réservations : 2 documents" in page
    assert "Le service de circulation est momentanément indisponible" in page
    assert "Aucun document." in page  # the expired holds
    # in transit: the hold's item in the requests' table, the item coming home with no hold below
    home = page.split("De retour dans leur bibliothèque, sans réservation : 1 document", 1)[1]
    assert "<td>Bel-Ami</td><td>UB301</td><td>BUST-GEN</td>" in home.split("</table>", 1)[0]
    assert "Nana" not in home


def _account(loan_status: str = "active") -> dict[str, object]:
    loan = {
        "loan_id": "L-1",
        "title": "Les Misérables",
        "item_barcode": "UB100",
        "due_at": "2026-12-15T18:00:00Z",
        "renewal_count": 0,
        "status": loan_status,
    }
    return {"loans": [loan], "requests": [], "blocks": [], "returns": []}


def test_a_due_date_changed_on_the_selection_is_written_out(client: TestClient, desk: Desk) -> None:
    csrf = desk.log_in(("desk-operator", "circulation-manager"))
    bodies: list[object] = []

    def circulation(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=_account())
        assert request.url.path == "/patrons/P1/due-date"
        bodies.append(json.loads(request.content))
        line = {
            "loan_id": "L-1",
            "previous_due_at": "2026-12-15T18:00:00Z",
            "due_at": "2026-12-22T18:00:00Z",
        }
        return httpx.Response(200, json={"lines": [line]})

    desk.answering(circulation)
    answer = client.post(
        "/lecteur/P1/prets/date",
        data={"loan_ids": ["L-1"], "nouvelle_date": "2026-12-22"},
        headers={"X-CSRF-Token": csrf},
    )
    assert bodies == [{"loan_ids": ["L-1"], "due_date": "2026-12-22"}]
    assert "Date changée : mardi 22 décembre 2026 à 19 h 00" in answer.text


def test_loan_actions_refused_are_sentences_on_each_line(client: TestClient, desk: Desk) -> None:
    csrf = desk.log_in()
    past = {"status": 422, "detail": "due_at='2026-11-01T18:00:00+00:00' is before now='x'"}
    status = {"status": 409, "detail": "loan L-1: cannot claim_returned when status='lost'"}

    def circulation(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET":
            return httpx.Response(200, json=_account("lost"))
        if path.endswith("/lost"):
            return httpx.Response(403, json={"status": 403, "permission": "loans:lost-found"})
        if path.endswith("/claimed-returned"):
            return httpx.Response(409, json=status)
        return httpx.Response(422, json=past)

    desk.answering(circulation)

    def post(action: str, **data: object) -> str:
        form = {"loan_ids": ["L-1"], **data}
        headers = {"X-CSRF-Token": csrf}
        return client.post(f"/lecteur/P1/prets/{action}", data=form, headers=headers).text

    assert "Refusé : Votre rôle ne permet pas la déclaration de perte." in post("perdu")
    claimed = post("conteste")
    assert (
        "Ce prêt est déclaré perdu : l&#39;enregistrement du retour contesté n&#39;est" in claimed
    )
    assert "(déclaré perdu)" in claimed  # the loan's status beside its due date
    past_date = post("date", nouvelle_date="2026-11-01")
    assert "La nouvelle date de retour est déjà passée : choisissez un jour à venir." in past_date
    nothing = client.post("/lecteur/P1/prets/perdu", data={}, headers={"X-CSRF-Token": csrf})
    assert "Cochez au moins un prêt." in nothing.text


def test_the_notes_and_network_activity_tabs(client: TestClient, desk: Desk) -> None:
    desk.log_in()
    note = {
        "note_id": "N1",
        "text": "Carte perdue le 2 novembre, nouvelle carte remise",
        "created_at": "2026-11-02T09:15:00Z",
        "created_by": "ub-desk",
        "at_desk": True,
        "edited_at": None,
        "edited_by": None,
    }
    summary = {
        "primary_id": "P1",
        "institution": "ubm",
        "loan_id": "UBM-L-7",
        "title": "Le Horla",
        "due_date": "2026-12-04T17:00:00Z",
        "status": "lost",
        "version": 3,
    }

    def apis(request: httpx.Request) -> httpx.Response:
        if request.url.host == "patron-sync":
            return httpx.Response(200, json={"record": {}, "additions": {"notes": [note]}})
        if request.url.path == "/patrons/P1/network-activity":
            return httpx.Response(200, json={"patron_id": "P1", "loans": [summary]})
        return httpx.Response(200, json=_account())

    desk.answering(apis)
    notes = client.get("/lecteur/P1/onglet/notes").text
    assert "Carte perdue le 2 novembre, nouvelle carte remise <em>(affichée au poste)</em>" in notes
    assert "<td>ub-desk</td><td>lundi 2 novembre 2026 à 10 h 15</td>" in notes
    network = client.get("/lecteur/P1/onglet/reseau").text
    assert "<td>UBM</td><td>Le Horla</td><td>vendredi 4 décembre 2026 à 18 h 00</td>" in network
    assert "<td>déclaré perdu</td>" in network


def test_an_institutions_desk_without_the_network_page_shows_none() -> None:
    """On Kubernetes an institution's desk has no Kafka user that could see the network."""
    for client in desk_client(network_page=False):
        Desk(client).log_in(("network-observer",), "network")
        answer = client.get("/reseau")
        assert answer.status_code == 403
        assert "sur le poste de l&#39;équipe réseau" in answer.text
        assert 'href="/reseau"' not in answer.text  # no menu entry either


def test_the_network_teams_desk_opens_on_the_network_page_and_nothing_else() -> None:
    for client in desk_client("network"):
        Desk(client).log_in(("network-observer",), "network")
        assert client.get("/", follow_redirects=False).headers["location"] == "/reseau"
        page = client.get("/reseau")
        assert page.status_code == 200
        assert "Équipe réseau" in page.text
        assert client.get("/lecteur").status_code == 403  # no patron, no desk screens
