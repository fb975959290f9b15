"""Synthetic data for the demo: a DSI feed per institution (patron-sync's own generator, so the
feed is the one its parsers read) and items with French titles on each institution's real
locations (from circulation's policy files).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from circulation.domain import TermsOfUse, load_institution_policy
from rebub.demo.feeds import (
    SyntheticAccount,
    bad_indexes,
    synthetic_accounts,
    write_alma_xml_feed,
)
from rebub_shared.tenancy import InstitutionCode

_SUBJECTS = (
    "Histoire",
    "Géographie",
    "Chimie organique",
    "Droit des contrats",
    "Écologie des vignobles",
    "Sociologie urbaine",
    "Physique quantique",
    "Économie de l'environnement",
    "Littérature",
    "Microbiologie",
    "Science politique",
    "Agronomie",
    "Mécanique des fluides",
    "Philosophie",
)
_TOPICS = (
    "de la Gironde",
    "en Aquitaine",
    "au XIXe siècle",
    "contemporaine",
    "appliquée",
    "des sols",
    "de l'estuaire",
    "européenne",
    "pour débutants",
    ": méthodes et pratiques",
    "des Landes",
)
_KINDS = ("Manuel de", "Introduction à la", "Précis de", "Traité de", "Atlas de la", "Leçons de")


@dataclass(frozen=True)
class DemoItem:
    barcode: str
    title: str
    library: str
    location: str

    def as_json(self) -> dict[str, str]:
        return {
            "barcode": self.barcode,
            "title": self.title,
            "library": self.library,
            "location": self.location,
        }


def write_feed(folder: Path, inst: InstitutionCode, count: int, bad: int, seed: int) -> Path:
    """An Alma user XML feed of ``count`` accounts, ``bad`` of them malformed on purpose."""
    path = folder / f"{inst}-users.xml"
    write_alma_xml_feed(path, count, inst, seed=seed, bad_records=bad)
    return path


def feed_accounts(inst: InstitutionCode, count: int, bad: int, seed: int) -> list[SyntheticAccount]:
    """The good accounts of the feed ``write_feed`` writes (same generator, same seed)."""
    spoiled = set(bad_indexes(count, bad))
    accounts = synthetic_accounts(count, inst, seed=seed, bad_records=bad)
    return [a for index, a in enumerate(accounts) if index not in spoiled]


def items(inst: InstitutionCode, count: int, run: int, seed: int) -> list[DemoItem]:
    """``count`` items on the institution's borrowable locations; barcodes unique per run."""
    policy = load_institution_policy(inst)
    shelves = [
        (library.code, location.code)
        for library in policy.libraries
        for location in library.locations
        if location.terms_of_use is TermsOfUse.BORROWABLE
    ]
    rng = random.Random(f"{inst}-{seed}")
    prefix = f"{inst.upper()}{run:02d}"
    return [
        DemoItem(
            barcode=f"{prefix}{index:06d}",
            title=f"{rng.choice(_KINDS)} {rng.choice(_SUBJECTS).lower()} {rng.choice(_TOPICS)}",
            library=shelf[0],
            location=shelf[1],
        )
        for index, shelf in ((i, rng.choice(shelves)) for i in range(count))
    ]
