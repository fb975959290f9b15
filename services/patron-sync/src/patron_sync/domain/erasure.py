"""An erasure (GDPR article 17) as the network zone answers it: what was done where."""

from dataclasses import dataclass, field

from pydantic import AwareDatetime

from rebub_shared.tenancy import InstitutionCode

#: The header of a ``nz.patron.v1`` tombstone that erases a person (its value: the request id);
#: a tombstone without it is the purge of an absent account.
ERASURE_HEADER = "rebub_erasure"


@dataclass(frozen=True)
class ErasureDone:
    """What the network zone did for one erasure request, and what it left to the others."""

    request_id: str
    primary_id: str
    source: InstitutionCode
    erased_at: AwareDatetime
    done: dict[str, str] = field(default_factory=dict)
