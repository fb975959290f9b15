"""Base of the domain's value objects: immutable pydantic models (JSON-ready for adapters)."""

from pydantic import BaseModel, ConfigDict


class ValueModel(BaseModel):
    """An immutable value: compared by its fields, serialised with ``model_dump``."""

    model_config = ConfigDict(frozen=True)


class PolicyModel(ValueModel):
    """Base of the policy models: immutable, unknown keys refused (typos are errors)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
