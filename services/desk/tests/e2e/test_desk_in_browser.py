"""The desk in a real browser (Debian's chromium driven by Playwright), on real services: a ub
circulation and patron-sync on the run's broker, store and OIDC provider, and the desk in front
of them. One set of services and one browser for the module; axe-core checks each screen.

The morning of issue 19: ub-desk logs in, finds a patron by name, lends three items by scanning,
meets a block and fails to override it; ub-manager overrides it with a reason; two returns, one
to the hold shelf; the network observer sees the loans' messages on the network page, and ub's
feed imported into the network zone with its rejects (no primary id shown).

``REBUB_DESK_SCREENSHOTS=docs/desk`` writes the screenshots of docs/desk.md on the way.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from circulation.entrypoints.http import create_app as circulation_app
from circulation.settings import CirculationSettings
from desk.entrypoints.http import create_app as desk_app
from desk.settings import DeskSettings
from patron_sync.entrypoints.http import create_app as patron_sync_app
from patron_sync.settings import PatronSyncSettings
from rebub.demo.feeds import write_csv_feed
from rebub.identity import DevTokens
from rebub.infra.keycloak_realm import desk_client_id, dev_password, dev_secret
from rebub.mailbox import free_port
from rebub.testing.backends import Backends
from rebub.testing.plugin import Namespace
from rebub.testing.realm_users import add_desk_client
from rebub.testing.serving import served
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

CHROMIUM = Path(os.environ.get("REBUB_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("REBUB_DESK_SCREENSHOTS")
THU_1_OCT_10H = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # 10:00 in Paris, BUST is open
DESK = "BUST-PRET"
ITEMS = {
    "UB20260001": "Les Misérables",
    "UB20260002": "Madame Bovary",
    "UB20260003": "Le Rouge et le Noir",
    "UB20260004": "Germinal",
}
B1, B2, B3, B4 = ITEMS
NOTE = "Carte de lecteur à renouveler en septembre."  # flagged: pops up at the desk
QUIET_NOTE = "A signalé un changement d'adresse en août."  # in the notes tab only


@dataclass
class Running:
    desk: str
    circulation: str
    patron_sync: str
    network_patron_sync: str
    namespace: Namespace
    tokens: DevTokens
    reader: str  # the patron served at the desk (account id)
    requester: str  # another patron, who asks for one of the reader's items

    def api(self, base: str, user: str) -> httpx.Client:
        headers = self.tokens.headers(user) | {"X-Desk": DESK}
        return httpx.Client(base_url=base, headers=headers, timeout=30)


def _until(check: Callable[[], Any], what: str, timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not seen within {timeout_s} s: {what}")


def _reader(client: httpx.Client, last: str, first: str, card: str) -> str:
    body = {
        "last_name": last,
        "first_name": first,
        "user_group": "L",
        "expiry_date": "2027-09-30",
        "identifiers": [{"id_type": "BARCODE", "value": card}],
        "emails": [{"address": f"{first.lower()}.{last.lower()}@example.org"}],
    }
    answer = client.post("/external-readers", json=body)
    assert answer.status_code == 201, answer.text
    account: str = answer.json()["account_id"]
    return account


@pytest.fixture(scope="module")
def running(backends: Backends, oidc_issuer: str) -> Iterator[Running]:
    namespace = Namespace(backends, uuid.uuid4().hex[:10])
    add_desk_client(oidc_issuer, "ub")
    auth = AuthSettings(issuer=oidc_issuer)
    clock = MovableClock(THU_1_OCT_10H)
    common: dict[str, Any] = {
        "tenant": "ub",
        "environment": "test",
        "kafka": namespace.kafka(),
        "mongo": namespace.mongo(),
        "auth": auth,
        "fast_consumers": True,
    }
    circulation = CirculationSettings(
        **common, relay_interval_s=0.1, consume_network_activity=False, jobs_enabled=False
    )
    with ExitStack() as stack:
        circulation_url = stack.enter_context(served(circulation_app(circulation, clock)))
        patron_sync_url = stack.enter_context(
            served(patron_sync_app(PatronSyncSettings(**common), clock))
        )
        network = PatronSyncSettings(**common | {"tenant": "network"})
        network_url = stack.enter_context(served(patron_sync_app(network, clock)))
        port = free_port()
        desk = DeskSettings(
            tenant="ub",
            environment="test",
            kafka=namespace.kafka(),
            mongo=namespace.mongo(),
            auth=auth,
            public_url=f"http://127.0.0.1:{port}",
            client_secret=dev_secret(desk_client_id("ub")),
            circulation_url=circulation_url,
            patron_sync_url=patron_sync_url,
            network_patron_sync_url=network_url,
            secure_cookies=False,
            network_refresh_s=1.0,
            imports_refresh_s=1.0,
        )
        desk_url = stack.enter_context(served(desk_app(desk), port))
        tokens = DevTokens(oidc_issuer)
        running = Running(
            desk_url, circulation_url, patron_sync_url, network_url, namespace, tokens, "", ""
        )
        with running.api(patron_sync_url, "ub-manager") as patrons:
            running.reader = _reader(patrons, "Lestrade", "Margaux", "CARD20260001")
            running.requester = _reader(patrons, "Vernet", "Paul", "CARD20260002")
            for note in ({"text": NOTE, "at_desk": True}, {"text": QUIET_NOTE}):
                added = patrons.post(f"/patrons/{running.reader}/notes", json=note)
                assert added.status_code == 201, added.text
        with running.api(circulation_url, "ub-manager") as circ:
            items = [
                {"barcode": b, "title": t, "library": "BUST", "location": "BUST-LA"}
                for b, t in ITEMS.items()
            ]
            assert circ.post("/items", json={"items": items}).status_code in (200, 201)
            for patron in (running.reader, running.requester):  # through the patron topic
                _until(
                    lambda p=patron: circ.get(f"/patrons/{p}/blocks").status_code == 200,
                    f"circulation knows {patron}",
                )
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no {CHROMIUM}: `make install` installs Debian's chromium")
    if not AXE.exists():
        pytest.fail(f"no {AXE}: `make install` installs axe-core from npm")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)  # a loaded machine: every wait on a fact, bounded
    opened = context.new_page()
    seen: list[str] = []  # printed at the end: pytest shows it when the test failed
    opened.on("requestfinished", lambda r: seen.append(f"{r.method} {r.url.split('?')[0]}"))
    opened.on("console", lambda m: seen.append(f"console: {m.text}"))
    yield opened
    print("\n".join(seen[-40:]))
    context.close()


def accessible(page: Page, screen: str) -> None:
    """axe-core on the page as it is: no serious or critical violation of WCAG 2.1 A/AA."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})"""
    )
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{screen}: {bad}"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{screen}.png"), full_page=True)


def log_in(page: Page, running: Running, user: str) -> None:
    page.goto(f"{running.desk}/")
    page.get_by_role("link", name="Se connecter").click()
    page.fill("#username", user)
    page.fill("#password", dev_password(user))
    page.click("#kc-login")
    page.wait_for_url(f"{running.desk}/**")


def choose_desk(page: Page, screen: str | None = None) -> None:
    expect(page.get_by_label("Poste de service")).to_be_visible()
    if screen:
        accessible(page, screen)
    page.get_by_label("Poste de service").select_option(DESK)
    page.get_by_role("button", name="Commencer").click()


def tab_to(page: Page, target: Any, backwards: bool = False, limit: int = 40) -> None:
    """Tab (or Shift+Tab) until ``target`` has the focus: the keyboard alone, as a librarian
    without a mouse moves through the screen."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached in {limit} presses of {key}")


def scan(page: Page, barcode: str) -> None:
    """A handheld scanner: the barcode typed into the scan field, which has the focus, then
    Enter."""
    field = page.locator("form.scan input[name=item_barcode]")
    expect(field).to_be_focused()
    field.press_sequentially(barcode)
    expect(field).to_have_value(barcode)
    field.press("Enter")


def test_a_morning_at_the_desk(running: Running, page: Page, tmp_path: Path) -> None:
    # ub-desk logs in, chooses the loan desk of the sciences library, shown on every screen
    page.goto(f"{running.desk}/")
    accessible(page, "connexion")
    log_in(page, running, "ub-desk")
    choose_desk(page, "poste")
    expect(page.locator("#poste-courant")).to_contain_text("Banque de prêt et retour")
    page.goto(f"{running.desk}/nulle-part")  # a wrong address: a sentence, never a trace
    expect(page.get_by_role("alert")).to_have_text("Cette page n'existe pas.")
    accessible(page, "erreur")
    page.goto(f"{running.desk}/lecteur")

    # from here to the block, the keyboard only (Tab, Enter, Escape, typing; no click):
    # finds the patron by name (3 letters and more), opens the account
    expect(page.get_by_label("Carte, identifiant ou nom")).to_be_focused()
    page.keyboard.type("lestr")
    page.keyboard.press("Enter")
    found = page.get_by_role("link", name="LESTRADE Margaux")
    expect(found).to_be_visible()
    accessible(page, "recherche")
    tab_to(page, found)
    page.keyboard.press("Enter")
    # the note flagged for the desk pops up, the other one does not; Escape closes it and the
    # scan field has the focus
    expect(page.get_by_role("dialog")).to_contain_text(NOTE)
    expect(page.get_by_role("dialog")).not_to_contain_text(QUIET_NOTE)
    accessible(page, "notes")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("heading", name="LESTRADE Margaux")).to_be_visible()
    expect(page.locator("#poste-courant")).to_contain_text("Banque de prêt et retour")

    # lends three items by scanning: the focus never leaves the item field
    expect(page.locator("#item_barcode")).to_be_focused()  # the scan field, ready
    for count, barcode in enumerate((B1, B2, B3), start=1):
        scan(page, barcode)
        expect(page.locator("#lignes-pret li")).to_have_count(count)
        expect(page.locator("#item_barcode")).to_be_focused()  # the scan field, ready
    lines = page.locator("#lignes-pret li")
    expect(lines.nth(0)).to_contain_text("Les Misérables")
    expect(lines.nth(2)).to_contain_text("Le Rouge et le Noir")
    # the due date in words: a month later, at the library's closing time
    expect(lines.nth(0)).to_contain_text("à rendre le")
    expect(lines.nth(0)).to_contain_text("2026")
    accessible(page, "pret")

    # the account's other tabs, opened from the keyboard; then back to the scan field
    tabs = page.get_by_role("navigation", name="Onglets du compte")
    for label, screen in (("Demandes", "demandes"), ("Retours", "retours-compte")):
        tab_to(page, tabs.get_by_role("link", name=label))
        page.keyboard.press("Enter")
        expect(tabs.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        accessible(page, screen)
    tab_to(page, tabs.get_by_role("link", name="Notes"))
    page.keyboard.press("Enter")
    expect(page.locator(".panneau")).to_contain_text(QUIET_NOTE)  # every note in the tab
    tab_to(page, page.locator("#item_barcode"), backwards=True, limit=60)

    # the patron-manager blocks the account meanwhile (deposit unpaid): the next scan meets it
    with running.api(running.patron_sync, "ub-manager") as patrons:
        block = {"block_type": "CAUTION", "reason": "Caution non versée"}
        answer = patrons.post(f"/patrons/{running.reader}/blocks", json=block)
        assert answer.status_code in (200, 201), answer.text
    with running.api(running.circulation, "ub-desk") as circ:
        _until(
            lambda: circ.get(f"/patrons/{running.reader}/blocks").json()["blocks"],
            "the block reaches circulation",
        )
    scan(page, B4)
    blocked = page.locator("#blocages-pret")
    expect(blocked).to_contain_text("Blocage posé par la bibliothèque")
    expect(blocked).to_contain_text("CAUTION")
    # a desk operator may not override: no override form, a sentence says whom to call
    expect(blocked).to_contain_text("Seul un responsable de la circulation peut prêter")
    expect(page.get_by_label("Motif de la dérogation")).to_have_count(0)
    expect(page.locator("#lignes-pret li")).to_have_count(3)
    assert "{" not in page.locator("#resultat-pret").inner_text()  # never raw JSON
    tab_to(page, tabs.get_by_role("link", name="Blocages"))  # the blocks tab, by keyboard
    page.keyboard.press("Enter")
    expect(page.locator(".panneau")).to_contain_text("Caution non versée")
    accessible(page, "blocage")

    # ub-manager logs in (the provider asks again: the desk logged out there too) and overrides
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    log_in(page, running, "ub-manager")
    choose_desk(page)
    page.get_by_label("Carte, identifiant ou nom").fill("CARD20260001")  # the card scanned
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_contain_text(NOTE)
    page.get_by_role("button", name="J'ai lu").click()  # with the mouse, this time
    expect(page.get_by_role("heading", name="LESTRADE Margaux")).to_be_visible()
    expect(page.locator("#item_barcode")).to_be_focused()  # the scan field, ready
    scan(page, B4)
    expect(page.locator("#blocages-pret")).to_contain_text("CAUTION")
    page.get_by_label("Motif de la dérogation").fill(
        "Caution apportée demain, vu avec la direction"
    )
    page.get_by_role("button", name="Prêter malgré le blocage").click()
    expect(page.locator("#lignes-pret li")).to_have_count(1)
    expect(page.locator("#lignes-pret li")).to_contain_text("Germinal")
    expect(page.locator("#resultat-pret")).to_contain_text("malgré le blocage")
    expect(page.locator("#item_barcode")).to_be_focused()  # the scan field, ready
    expect(page.locator(".panneau table tbody tr")).to_have_count(4)  # the tab reloaded

    # the deposit is paid, the block lifted (a blocked patron's loans are not renewed); another
    # patron asks for Madame Bovary: renewing every loan renews all but that one
    with running.api(running.patron_sync, "ub-manager") as patrons:
        view = patrons.get(f"/patrons/{running.reader}").json()
        [caution] = [b for b in view["additions"]["local_blocks"] if b["block_type"] == "CAUTION"]
        lifted = patrons.delete(f"/patrons/{running.reader}/blocks/{caution['block_id']}")
        assert lifted.status_code == 200, lifted.text
    with running.api(running.circulation, "ub-desk") as circ:
        _until(
            lambda: not circ.get(f"/patrons/{running.reader}/blocks").json()["blocks"],
            "the lifted block reaches circulation",
        )
        hold = {"kind": "hold", "patron": running.requester, "item_barcode": B2}
        answer = circ.post("/requests", json=hold)
        assert answer.status_code == 201, answer.text
    page.get_by_role("button", name="Tout prolonger").click()
    rows = page.locator(".panneau table tbody tr")
    expect(rows.filter(has_text="Les Misérables").locator(".prolongation")).to_have_text("Prolongé")
    expect(rows.filter(has_text="Madame Bovary").locator(".prolongation")).to_have_text(
        "Refusé : un autre lecteur a demandé ce document"
    )
    accessible(page, "compte")

    # the manager moves the due date of Les Misérables to Friday 30 October (at closing time)
    page.get_by_label("Choisir Les Misérables").check()
    page.get_by_label("Nouvelle date de retour").fill("2026-10-30")
    page.get_by_role("button", name="Changer la date de retour").click()
    expect(rows.filter(has_text="Les Misérables").locator(".prolongation")).to_contain_text(
        "Date changée : vendredi 30 octobre 2026 à "
    )

    # at the returns screen, Madame Bovary goes to the hold shelf
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Retours"
    ).click()
    expect(page.locator("#item_barcode")).to_be_focused()  # the scan field, ready
    scan(page, B1)
    expect(page.locator("#lignes-retour li")).to_have_count(1)
    scan(page, B2)
    expect(page.locator("#lignes-retour li")).to_have_count(2)
    newest, oldest = page.locator("#lignes-retour li .etape").all()
    expect(oldest).to_have_text("Remettre en rayon : BUST / BUST-LA")
    expect(newest).to_have_text("Étagère des réservations de BUST, pour VERNET Paul")
    accessible(page, "retours")

    # the desk's lists: Madame Bovary on the hold shelf, for the patron who asked for it
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Listes").click()
    shelf = page.locator("#liste-hold-shelf")
    expect(shelf.locator("tbody tr")).to_have_count(1)
    expect(shelf.locator("tbody tr")).to_contain_text("Madame Bovary")
    expect(shelf.locator("tbody tr")).to_contain_text("VERNET Paul")
    accessible(page, "listes")

    # ub's DSI sends its feed to the network zone: 6 records, 2 of them rejected
    feed = write_csv_feed(tmp_path / "ub-2026-10-01.csv", 6, "ub", seed=19, bad_records=2)
    with running.api(running.network_patron_sync, "ub-feed") as network_zone:
        files = {"file": (feed.path.name, feed.path.read_bytes(), "text/csv")}
        imported = network_zone.post("/imports", params={"source": "ub"}, files=files)
        assert imported.status_code == 200, imported.text
    ids = [r["primary_id"] for r in imported.json()["rejected"] if r["primary_id"]]

    # the network team sees the loans' messages (4 loans, 2 returns) without reloading
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, running, "network-observer")
    topic = running.namespace.topics.loan("ub")
    messages = page.locator(f'tr[data-topic="{topic}"] td.nombre').first
    _until(lambda: messages.count() and int(messages.inner_text()) >= 6, "the loans on the page")
    expect(page.locator("#poste-courant")).to_have_count(0)
    # the lag and dead letters are there, as numbers
    flows = page.locator("table.flux").first
    for column in ("Groupes (retard)", "Lettres mortes"):
        expect(flows.get_by_role("columnheader", name=column)).to_be_visible()
    assert page.locator("#retard-total").inner_text().isdigit()
    assert page.locator("#lettres-mortes").inner_text().isdigit()
    # one more return at the desk: its message shows on the page without a reload
    page.evaluate("window.stillTheSamePage = true")
    before = int(messages.inner_text())
    with running.api(running.circulation, "ub-desk") as circ:
        returned = circ.post("/returns", json={"item_barcode": B3})
        assert returned.status_code == 200, returned.text
    _until(lambda: int(messages.inner_text()) > before, "the new return on the page")
    assert page.evaluate("window.stillTheSamePage") is True
    # and ub's import with its rejects, without the rejected records' primary ids
    imported_row = page.locator('#imports tr[data-source="ub"][data-import]')
    expect(imported_row).to_contain_text(feed.path.name)
    expect(imported_row.locator("td.nombre").last).to_have_text("2")
    expect(page.locator("#imports tr.rejets li")).to_have_count(2)
    expect(page.locator('#imports tr[data-source="bsa"]')).to_contain_text("Aucun import reçu.")
    shown = page.locator("#imports").inner_text()
    assert ids
    assert not any(primary_id in shown for primary_id in ids)
    accessible(page, "reseau")
