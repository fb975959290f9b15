"""Domain events, named in the past tense. The service layer publishes them (the CloudEvents
envelopes and topic schemas live in the shared library); the tenant is always explicit."""

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict

from patron_sync.domain.patron import Address, Email, PatronRecord, Phone
from rebub_shared.tenancy import InstitutionCode


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WaitingAccountMerged(_Event):
    """A waiting account was merged into the institutional account and closed.

    For circulation in ``tenant``: move the loans (and requests) of ``waiting_id`` to the
    account ``primary_id``.
    """

    tenant: InstitutionCode
    waiting_id: str
    primary_id: str
    merged_at: AwareDatetime


class ExternalReaderCreated(_Event):
    """An external reader was created in ``tenant``; every other IZ creates its own copy
    (fan-out on ``net.external-reader.v1``), with no local additions."""

    tenant: InstitutionCode
    reader_id: str
    record: PatronRecord
    version: int
    created_at: AwareDatetime


class ExternalReaderChanged(_Event):
    """An external reader's contact data or expiry changed in ``tenant``, or it was closed
    (``closed``); the other IZs apply the new values if ``version`` is above theirs. Fields
    left ``None`` did not change."""

    tenant: InstitutionCode
    reader_id: str
    version: int
    changed_at: AwareDatetime
    emails: tuple[Email, ...] | None = None
    addresses: tuple[Address, ...] | None = None
    phones: tuple[Phone, ...] | None = None
    expiry_date: date | None = None
    closed: bool = False
