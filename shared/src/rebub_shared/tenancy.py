"""The network zone and its institution zones (DOMAIN.md section 1), as data.

Every command, event, document and repository call names its tenant: either the network zone
(``NETWORK``) or one institution code. The institutions and what differs between them are read
from one file, ``network.toml`` beside this module or the file ``REBUB_NETWORK_FILE`` names, on
first use (never at import) and kept. ``InstitutionCode`` and ``TenantCode`` are strings that
pydantic models check against that file: an unknown code is refused with an error naming the
field and the value.
"""

from __future__ import annotations

import os
import tomllib
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PrivateAttr,
    ValidationError,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from rebub_shared.user_groups import UserGroup

NetworkCode: TypeAlias = Literal["network"]
NETWORK: Final[NetworkCode] = "network"
NETWORK_FILE_ENV: Final = "REBUB_NETWORK_FILE"
DEFAULT_NETWORK_FILE: Final = Path(__file__).with_name("network.toml")


class UnknownTenantError(ValueError):
    """A tenant code that is neither the network zone nor one of the network's institutions."""

    def __init__(self, field: str, value: object, allowed: tuple[str, ...]) -> None:
        super().__init__(
            f"{field}: unknown tenant {value!r} (expected one of {', '.join(allowed)})"
        )
        self.field = field
        self.value = value


class NetworkFileError(ValueError):
    """The network file cannot be read or is not valid; the message names the file and field."""


class PostalAddress(BaseModel):
    """An institution's postal address: the sender of its printed letters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lines: tuple[str, ...] = Field(min_length=1)
    postcode: str = Field(pattern=r"^\d{5}$")
    city: str = Field(min_length=1)


class Institution(BaseModel):
    """One institution zone: its code, its name and the network-wide rules it chose."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9]{1,11}$")
    name: str = Field(min_length=1)
    renewal_period_days: int = Field(gt=0, le=365)
    suspension_after_late_return: bool
    feed_user_groups: frozenset[UserGroup] = Field(min_length=1)
    address: PostalAddress

    @property
    def renewal_period(self) -> timedelta:
        return timedelta(days=self.renewal_period_days)

    @field_validator("code")
    @classmethod
    def _not_the_network(cls, code: str) -> str:
        if code == NETWORK:
            raise ValueError(f"{code!r} is the network zone, not an institution")
        return code


class Network(BaseModel):
    """The network file: its institutions, in the network's order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    institutions: tuple[Institution, ...] = Field(min_length=1)

    @field_validator("institutions")
    @classmethod
    def _codes_unique(cls, institutions: tuple[Institution, ...]) -> tuple[Institution, ...]:
        codes = [i.code for i in institutions]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"code {', '.join(map(repr, repeated))} defined more than once")
        return institutions

    _by_code: dict[str, Institution] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        # Looked up for every record a feed or a consumer validates: built once.
        self._by_code.update((i.code, i) for i in self.institutions)

    @property
    def by_code(self) -> dict[str, Institution]:
        return self._by_code


def load_network(path: Path) -> Network:
    """Read and validate a network file; every problem names the file, the field and the value."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise NetworkFileError(f"{path}: cannot read: {error}") from error
    try:
        return Network.model_validate(raw)
    except ValidationError as error:
        problems = [
            f"  {'.'.join(map(str, p['loc'])) or '(root)'}: {p['msg']} (value: {p['input']!r})"
            for p in error.errors()
        ]
        raise NetworkFileError("\n".join([f"{path}: invalid network file", *problems])) from error


def network_file() -> Path:
    """The network file in use: ``REBUB_NETWORK_FILE``, else the one shipped with rebub."""
    named = os.environ.get(NETWORK_FILE_ENV)
    return Path(named) if named else DEFAULT_NETWORK_FILE


@cache
def network() -> Network:
    """The network, read from ``network_file()`` on first use and kept (``forget_network``)."""
    return load_network(network_file())


def forget_network() -> None:
    """Read the network file again on next use (a test that changed ``REBUB_NETWORK_FILE``)."""
    network.cache_clear()


def institution_codes() -> tuple[str, ...]:
    """The institutions' codes, in the network's order."""
    return tuple(network().by_code)


def tenant_codes() -> tuple[str, ...]:
    """The network zone, then every institution."""
    return (NETWORK, *institution_codes())


def institution(code: str, field: str = "institution") -> Institution:
    """Return the institution for ``code`` or raise an error naming the field and the value."""
    found = network().by_code.get(code)
    if found is None:
        raise UnknownTenantError(field, code, institution_codes())
    return found


def check_institution(code: str, field: str = "institution") -> str:
    """Validate an institution code and return it."""
    return institution(code, field).code


def check_tenant(code: str, field: str = "tenant") -> str:
    """Validate a tenant code (the network zone or an institution) and return it."""
    if code == NETWORK:
        return NETWORK
    if code not in network().by_code:
        raise UnknownTenantError(field, code, tenant_codes())
    return code


def other_institutions(code: str) -> tuple[str, ...]:
    """The institutions other than ``code`` (fan-out targets for external readers)."""
    return tuple(c for c in institution_codes() if c != code)


class _CodeOf:
    """Pydantic's check of a code against the network file, read when a value is validated or a
    schema written (never when a model is defined): the JSON schema lists the codes."""

    def __init__(self, *, network_zone: bool) -> None:
        self.network_zone = network_zone

    def allowed(self) -> tuple[str, ...]:
        return tenant_codes() if self.network_zone else institution_codes()

    def check(self, value: str, info: core_schema.ValidationInfo) -> str:
        field = info.field_name or ("tenant" if self.network_zone else "institution")
        if value in network().by_code or (self.network_zone and value == NETWORK):
            return value
        raise UnknownTenantError(field, value, self.allowed())

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.with_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "enum": list(self.allowed())}


#: An institution's code: a ``str`` whose values come from the network file.
InstitutionCode: TypeAlias = Annotated[str, _CodeOf(network_zone=False)]
#: The network zone's code or an institution's.
TenantCode: TypeAlias = Annotated[str, _CodeOf(network_zone=True)]
