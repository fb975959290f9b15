"""The network zone and the five institution zones (DOMAIN.md section 1).

Every command, event, document and repository call names its tenant: either the network zone
(``NETWORK``) or one institution code. Settings that differ per institution live here as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Literal, TypeAlias, get_args

InstitutionCode: TypeAlias = Literal["ub", "ubm", "scpo", "inp", "bsa"]
NetworkCode: TypeAlias = Literal["network"]
TenantCode: TypeAlias = InstitutionCode | NetworkCode

NETWORK: Final[NetworkCode] = "network"
INSTITUTION_CODES: Final[tuple[InstitutionCode, ...]] = get_args(InstitutionCode)


class UnknownTenantError(ValueError):
    """A tenant code that is neither the network zone nor one of the five institutions."""

    def __init__(self, field: str, value: object) -> None:
        allowed = ", ".join((NETWORK, *INSTITUTION_CODES))
        super().__init__(f"{field}: unknown tenant {value!r} (expected one of {allowed})")
        self.field = field
        self.value = value


@dataclass(frozen=True, slots=True)
class Institution:
    """One institution zone: its code, its name and the network-wide rules it chose."""

    code: InstitutionCode
    name: str
    renewal_period: timedelta
    suspension_after_late_return: bool


INSTITUTIONS: Final[dict[InstitutionCode, Institution]] = {
    "ub": Institution("ub", "Université de Bordeaux", timedelta(weeks=2), False),
    "ubm": Institution("ubm", "Université Bordeaux Montaigne", timedelta(weeks=1), False),
    "scpo": Institution("scpo", "Sciences Po Bordeaux", timedelta(weeks=1), True),
    "inp": Institution("inp", "Bordeaux INP", timedelta(weeks=1), True),
    "bsa": Institution("bsa", "Bordeaux Sciences Agro", timedelta(weeks=1), True),
}


def institution(code: str, field: str = "institution") -> Institution:
    """Return the institution for ``code`` or raise an error naming the field and the value."""
    if code not in INSTITUTIONS:
        raise UnknownTenantError(field, code)
    return INSTITUTIONS[code]  # type: ignore[index]


def check_tenant(code: str, field: str = "tenant") -> TenantCode:
    """Validate a tenant code (the network zone or an institution) and return it typed."""
    if code == NETWORK:
        return NETWORK
    return institution(code, field).code


def other_institutions(code: InstitutionCode) -> tuple[InstitutionCode, ...]:
    """The four institutions other than ``code`` (fan-out targets for external readers)."""
    return tuple(c for c in INSTITUTION_CODES if c != code)
