"""An item as circulation sees it (the catalogue owns the rest of the record)."""

from pydantic import Field

from .values import ValueModel
from .vocabulary import InstitutionCode, ItemStatus


class Item(ValueModel):
    """A physical item: where it belongs, its item-level policy and its status."""

    institution: InstitutionCode
    barcode: str = Field(min_length=1)
    title: str
    library: str = Field(description="code of the owning library")
    location: str = Field(description="code of the location, inside the owning library")
    item_policy: str | None = Field(
        default=None, description="code of an item-level exception, or None for the location rule"
    )
    status: ItemStatus = ItemStatus.AVAILABLE
