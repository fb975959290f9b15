"""Erasure confirmations on ``net.erasure.v1`` (key: the erasure request id): each service that
applies an erasure (GDPR article 17) says so; the network zone's patron-sync reads them and
answers ``GET /erasures/{request_id}``. No personal data: the request id names the erasure, never
the person."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field

from rebub_shared import bounds
from rebub_shared.cloudevents import EventPayload
from rebub_shared.tenancy import InstitutionCode


class ErasureApplied(EventPayload):
    """One service of one institution applied an erasure request (key: the request id)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.erasure.applied.v1"
    request_id: bounds.EventId
    institution: InstitutionCode
    service: bounds.EventCode
    applied_at: AwareDatetime
    accounts: int = Field(
        ge=0, description="The accounts it held of the person (patron-sync: copies removed)."
    )
    done: bounds.EventReason = Field(description="What it did, in words.")

    def issuer(self) -> str | None:
        return self.institution
