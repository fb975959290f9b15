"""What the desk says: dates in Paris time, blocks, next steps and refusals, in French."""

from __future__ import annotations

from datetime import UTC, date, datetime

from desk.adapters.oidc import pkce_challenge
from desk.domain.refusals import Refusal, sentence
from desk.domain.wording import (
    block_sentence,
    day_text,
    days_late_text,
    instant_text,
    next_step_text,
)


def test_dates_are_written_out_in_paris_time() -> None:
    assert day_text(date(2026, 11, 2)) == "lundi 2 novembre 2026"
    # 18:00 UTC is 19:00 in Paris in November (winter time), 20:00 in July (summer time)
    assert instant_text(datetime(2026, 11, 2, 18, 0, tzinfo=UTC)) == (
        "lundi 2 novembre 2026 à 19 h 00"
    )
    assert instant_text(datetime(2026, 7, 1, 18, 5, tzinfo=UTC)) == (
        "mercredi 1 juillet 2026 à 20 h 05"
    )


def test_blocks_say_what_until_when_and_whether_they_may_be_overridden() -> None:
    local = {"kind": "local_block", "message": "local block 'CAUTION': ", "overridable": True}
    assert block_sentence(local) == "Blocage posé par la bibliothèque : CAUTION."
    suspended = {
        "kind": "suspension",
        "message": "suspended_until=2026-11-09",
        "overridable": False,
        "until": "2026-11-09",
    }
    assert block_sentence(suspended) == (
        "Suspension de prêt jusqu'au lundi 9 novembre 2026 inclus (aucune dérogation possible)."
    )
    overdue = {"kind": "overdue", "message": "2 loan(s) overdue: A1, A2", "overridable": True}
    assert block_sentence(overdue) == "Prêts en retard : documents A1, A2."


def test_next_steps_of_a_return() -> None:
    shelf = {"kind": "reshelve", "library": "BUST", "location": "BUST-LA"}
    assert next_step_text(shelf) == "Remettre en rayon : BUST / BUST-LA"
    assert next_step_text({"kind": "transit", "library": "SANTE"}) == (
        "Mettre en transit vers SANTE"
    )
    hold = {"kind": "hold_shelf", "library": "BUST"}
    assert (
        next_step_text(hold, "VERNET Paul") == "Étagère des réservations de BUST, pour VERNET Paul"
    )
    assert days_late_text(0) == "Rendu à temps."
    assert days_late_text(4) == "Rendu avec 4 jours de retard."


def test_refusals_are_sentences_never_the_problem_itself() -> None:
    override = Refusal(
        "circulation",
        403,
        {
            "detail": "ub-desk (ub) lacks the permission 'blocks:override'",
            "permission": "blocks:override",
        },
    )
    assert sentence(override, "le prêt") == (
        "Votre rôle ne permet pas de passer outre un blocage : "
        "demandez à un responsable de la circulation."
    )
    unknown = Refusal(
        "circulation",
        404,
        {"detail": "no item ZZ99", "errors": [{"field": "item_barcode", "value": "ZZ99"}]},
    )
    assert sentence(unknown, "le prêt") == (
        "Introuvable : le code-barres du document n'existe pas ici."
    )
    assert sentence(Refusal("patron-sync", 0), "la recherche") == (
        "Le fichier des lecteurs ne répond pas : la recherche n'a pas été fait. "
        "Réessayez dans un instant."
    )
    on_loan = Refusal("circulation", 409, {"detail": "item UB1 is already on loan"})
    assert sentence(on_loan, "le prêt") == "Ce document est déjà en prêt."


def test_pkce_challenge_of_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
