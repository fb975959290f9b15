"""Base of the domain's value objects: immutable pydantic models (JSON-ready for adapters)."""

from pydantic import BaseModel, ConfigDict


class ValueModel(BaseModel):
    """An immutable value: compared by its fields, serialised with ``model_dump``."""

    model_config = ConfigDict(frozen=True)
