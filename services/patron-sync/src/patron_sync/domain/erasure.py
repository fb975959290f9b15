"""An erasure (GDPR article 17) as the network zone answers it: what was done where, and the
request's status from each service's confirmation."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import AwareDatetime

from rebub_shared.contracts.patrons import ERASURE_HEADER
from rebub_shared.tenancy import InstitutionCode

__all__ = ["ERASURE_HEADER", "Confirmation", "ErasureDone", "erasure_status"]


@dataclass(frozen=True)
class ErasureDone:
    """What the network zone did for one erasure request, and what it left to the others."""

    request_id: str
    primary_id: str
    source: InstitutionCode
    erased_at: AwareDatetime
    done: dict[str, str] = field(default_factory=dict)


#: The services of an institution that apply an erasure, in the order the tombstones reach them.
ERASING_SERVICES = ("patron-sync", "circulation", "notifier")
#: What the network zone itself does (done at the request, before any answer).
NETWORK_DONE = "account removed; tombstone naming the request published on nz.patron.v1"
#: What an external reader's erasure does at the request (the network zone holds no reader).
READER_DONE = (
    "nothing held (an external reader lives in its creating institution's zone); tombstone "
    "naming the request published on net.external-reader.v1 by that institution"
)


@dataclass(frozen=True)
class Confirmation:
    """One service of one institution applied the request (an ``ErasureApplied``)."""

    applied_at: AwareDatetime
    accounts: int
    done: str


def erasure_status(
    confirmations: Mapping[tuple[InstitutionCode, str], Confirmation],
    institutions: tuple[InstitutionCode, ...],
) -> tuple[dict[InstitutionCode, dict[str, dict[str, Any]]], bool]:
    """Where the request stands in each institution, and whether it is complete.

    Each service is ``done`` (it confirmed) or ``pending``; circulation and the notifier hear of
    an erasure from their patron-sync's tombstones, so where patron-sync removed no copy (the
    person was never linked there) they are ``nothing held``."""
    status: dict[InstitutionCode, dict[str, dict[str, Any]]] = {}
    for inst in institutions:
        zone = confirmations.get((inst, "patron-sync"))
        status[inst] = {}
        for service in ERASING_SERVICES:
            confirmed = confirmations.get((inst, service))
            if confirmed is not None:
                status[inst][service] = {"state": "done", **asdict(confirmed)}
            elif zone is not None and zone.accounts == 0:
                status[inst][service] = {"state": "nothing held"}
            else:
                status[inst][service] = {"state": "pending"}
    complete = all(s["state"] != "pending" for z in status.values() for s in z.values())
    return status, complete
