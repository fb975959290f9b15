"""An erasure (GDPR article 17) as the network zone answers it: what was done where."""

from dataclasses import dataclass, field

from pydantic import AwareDatetime

from rebub_shared.contracts.patrons import ERASURE_HEADER
from rebub_shared.tenancy import InstitutionCode

__all__ = ["ERASURE_HEADER", "ErasureDone"]


@dataclass(frozen=True)
class ErasureDone:
    """What the network zone did for one erasure request, and what it left to the others."""

    request_id: str
    primary_id: str
    source: InstitutionCode
    erased_at: AwareDatetime
    done: dict[str, str] = field(default_factory=dict)
