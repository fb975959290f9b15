"""A refusal of an API (an RFC 9457 problem, or no answer at all) as a French sentence.

The desk never shows the problem's JSON: it says what happened and what to do, in the words of
the desk. The problem's own ``detail`` is kept in the logs, not on the screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Refusal(Exception):
    """An API refused (``status``, its problem body) or could not be reached (``status`` 0)."""

    service: str
    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The blocks of a refused checkout (409), every one of them."""
        found = self.problem.get("blocks")
        return [b for b in found if isinstance(b, dict)] if isinstance(found, list) else []

    def fields(self) -> list[str]:
        errors = self.problem.get("errors")
        if not isinstance(errors, list):
            return []
        return [str(e.get("field")) for e in errors if isinstance(e, dict) and e.get("field")]


SERVICES = {
    "circulation": "Le service de circulation",
    "patron-sync": "Le fichier des lecteurs",
    "patron-sync-network": "Le fichier réseau des lecteurs",
    "notifier": "Le service des courriers",
}

FIELDS = {
    "item_barcode": "le code-barres du document",
    "patron": "le lecteur",
    "desk": "le poste de prêt",
    "X-Desk": "le poste de prêt",
    "barcode": "le code-barres",
    "name": "le nom",
    "reason": "le motif",
    "override.reason": "le motif de la dérogation",
    "returned_at": "la date de retour",
    "due_at": "la nouvelle date de retour",
    "due_date": "la nouvelle date de retour",
}

#: A loan's status named in a refusal (``status='lost'``), as the desk says it.
STATUSES = {
    "lost": "déclaré perdu",
    "claimed_returned": "en retour contesté",
    "returned": "déjà rendu",
    "deleted": "supprimé",
    "active": "en cours, sans perte ni contestation",
    "recalled": "rappelé",
}
STATUS_IN_DETAIL = re.compile(r"status='([a-z_]+)'")


def sentence(refusal: Refusal, doing: str) -> str:
    """What a librarian reads when ``doing`` (``le prêt``, ``le retour``...) was refused."""
    who = SERVICES.get(refusal.service, "Le service")
    status = refusal.status
    if status == 0:
        return f"{who} ne répond pas : {doing} n'a pas été fait. Réessayez dans un instant."
    if status == 401:
        return "Votre session a expiré : reconnectez-vous."
    if status == 403:
        if refusal.problem.get("permission") == "blocks:override" or "override" in str(
            refusal.problem.get("detail", "")
        ):
            return (
                "Votre rôle ne permet pas de passer outre un blocage : "
                "demandez à un responsable de la circulation."
            )
        return f"Votre rôle ne permet pas {doing}."
    if status == 404:
        return f"Introuvable : {_named(refusal) or 'ce que vous avez saisi'} n'existe pas ici."
    if status == 409:
        return _conflict(refusal, doing)
    if status in (400, 413, 415, 422):
        return _bad_input(refusal)
    if status in (502, 503, 504):
        return f"{who} est momentanément indisponible : réessayez dans un instant."
    return f"{who} n'a pas pu faire {doing}. Réessayez ; si cela persiste, prévenez l'assistance."


def _bad_input(refusal: Refusal) -> str:
    detail = str(refusal.problem.get("detail", ""))
    if "is before now" in detail:
        return "La nouvelle date de retour est déjà passée : choisissez un jour à venir."
    if "years from now" in detail:
        return "La nouvelle date de retour est trop lointaine."
    if "is closed on day" in detail:
        return "La bibliothèque est fermée ce jour-là : choisissez un jour d'ouverture."
    named = _named(refusal)
    return f"Saisie refusée : vérifiez {named}." if named else "Saisie refusée."


def _named(refusal: Refusal) -> str:
    names = [FIELDS.get(name, name) for name in refusal.fields()]
    return ", ".join(dict.fromkeys(names))


def _conflict(refusal: Refusal, doing: str) -> str:
    detail = str(refusal.problem.get("detail", "")).lower()
    if refusal.blocks:
        return "Prêt refusé : le lecteur ou le document est bloqué."
    loan_status = STATUS_IN_DETAIL.search(detail)
    if loan_status and loan_status.group(1) in STATUSES:
        return f"Ce prêt est {STATUSES[loan_status.group(1)]} : {doing} n'est pas possible."
    if "on loan" in detail or "already" in detail:
        return "Ce document est déjà en prêt."
    if "not overridable" in detail:
        return "Ce blocage ne peut pas être levé, même par un responsable."
    if "no open loan" in detail or "not on loan" in detail:
        return "Ce document n'est pas en prêt."
    return f"{doing.capitalize()} est impossible dans l'état actuel du dossier."
