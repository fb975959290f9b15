"""French words for what the APIs answer: dates in Paris time, blocks, next steps of a return.

Pure functions: the screens show these sentences, never a code or a JSON body.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rebub_shared.clock import to_paris

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

BLOCKS = {
    "overdue": "Prêts en retard",
    "suspension": "Suspension de prêt",
    "litigation": "Contentieux (retard de plus de plusieurs semaines)",
    "loan_limit": "Nombre maximal de prêts atteint",
    "expired_account": "Carte expirée",
    "local_block": "Blocage posé par la bibliothèque",
    "item_not_loanable": "Document non empruntable",
}

#: Why circulation refused to renew a loan (the ``refusal`` of a renewal line).
RENEWAL_REFUSALS = {
    "LoanNotRenewable": "la règle de prêt de ce document ne permet pas de le prolonger",
    "RecalledLoanNotRenewable": "un autre lecteur a demandé ce document",
    "LoanStatus": "ce prêt ne peut plus être prolongé (nombre maximal ou état du prêt)",
    "LoanNotFound": "ce prêt n'est plus en cours",
    "UnknownItem": "le document n'est plus au catalogue",
    "LibraryClosed": "la bibliothèque est fermée à la nouvelle date",
    "RenewalBlocked": "le lecteur est bloqué (voir l'onglet Blocages)",
}

REQUEST_STATUS = {
    "waiting": "en attente",
    "in_transit": "en transit",
    "on_hold_shelf": "à l'étagère des réservations",
    "completed": "terminée",
    "cancelled": "annulée",
    "expired": "expirée",
}

#: The desk's work lists (circulation's ``/libraries/{lib}/requests/{which}``), in screen order.
WORK_LISTS = {
    "hold-shelf": "Étagère des réservations",
    "expired-holds": "Réservations expirées, à retirer de l'étagère",
    "pick-from-shelf": "À prendre en rayon pour une réservation",
    "in-transit": "En transit vers cette bibliothèque",
}

#: What a loan's status means at the desk (the loans tab says it beside the due date).
LOAN_STATUS = {
    "recalled": "rappelé",
    "lost": "déclaré perdu",
    "claimed_returned": "retour contesté",
}


def patron_name(record: dict[str, Any]) -> str:
    """``VERNET Paul``, as the hold shelf's slip names the patron (empty if the record has no
    name)."""
    return f"{str(record.get('last_name', '')).upper()} {record.get('first_name', '')}".strip()


def day_text(day: date) -> str:
    """``lundi 2 novembre 2026``."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def instant_text(instant: datetime) -> str:
    """``lundi 2 novembre 2026 à 19 h 00`` (Paris wall-clock time)."""
    local = to_paris(instant)
    return f"{day_text(local.date())} à {local.hour} h {local.minute:02d}"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant as the APIs write it (``Z`` or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def block_title(kind: str) -> str:
    return BLOCKS.get(kind, "Blocage")


def block_sentence(block: dict[str, Any]) -> str:
    """One block as a librarian reads it: what, until when, whether it may be overridden."""
    sentence = block_title(str(block.get("kind", "")))
    until = block.get("until")
    if until:
        sentence += f" jusqu'au {day_text(date.fromisoformat(str(until)))} inclus"
    detail = _block_detail(block)
    if detail:
        sentence += f" : {detail}"
    return sentence + ("." if block.get("overridable") else " (aucune dérogation possible).")


def _block_detail(block: dict[str, Any]) -> str:
    message = str(block.get("message", ""))
    kind = block.get("kind")
    if kind == "overdue" and ":" in message:
        return "documents " + message.split(":", 1)[1].strip()
    if kind == "local_block":
        code, _, note = message.removeprefix("local block ").partition(":")
        return " — ".join(part for part in (code.strip(" '\""), note.strip()) if part)
    if kind == "loan_limit":
        return (
            message.replace("loan limit", "limite")
            .replace("reached", "atteinte")
            .replace("open loans", "prêts en cours")
        )
    if kind == "item_not_loanable" and ":" in message:
        return message.split(":", 1)[0].replace("item", "document")
    return ""


def next_step_text(step: dict[str, Any], requester: str | None = None) -> str:
    """What to do with a returned item, in large type on the returns screen (``requester``: who
    a held item is kept for)."""
    kind, library, location = step.get("kind"), step.get("library"), step.get("location")
    if kind == "reshelve":
        where = f"{library} / {location}" if location else str(library)
        return f"Remettre en rayon : {where}"
    if kind == "transit":
        return f"Mettre en transit vers {library}"
    text = f"Étagère des réservations de {library}"
    return f"{text}, pour {requester}" if requester else text


def next_step_class(step: dict[str, Any]) -> str:
    """A word for the line's style (the sentence alone carries the meaning)."""
    return {"reshelve": "rayon", "transit": "transit"}.get(str(step.get("kind")), "reservation")


def renewal_refusal(refusal: str | None) -> str:
    return RENEWAL_REFUSALS.get(refusal or "", "la prolongation n'est pas possible")


def days_late_text(days: int) -> str:
    if days <= 0:
        return "Rendu à temps."
    return f"Rendu avec {days} jour{'s' if days > 1 else ''} de retard."
