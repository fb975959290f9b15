"""The erasure requests in an instance's database (``erasures``; the network zone's, and an
institution zone's for the external readers it created): each request's id, source institution
and time, and each service's confirmation. No personal data: the primary id
is not kept (the request's answer gave it to the officer; the audit trail names the request)."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from patron_sync.domain.erasure import Confirmation
from rebub_shared.contracts.erasures import ErasureApplied
from rebub_shared.mongo import Document
from rebub_shared.tenancy import InstitutionCode

ERASURES = "erasures"


class MongoErasures:
    """One document per request; confirmations under ``applied.<institution>/<service>``."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._erasures = db[ERASURES]

    async def opened(
        self, request_id: str, source: InstitutionCode, at: datetime, network: str | None = None
    ) -> None:
        """A request made here (``network``: what the network zone did, when not the usual)."""
        doc = {"source": source, "erased_at": at} | ({"network": network} if network else {})
        await self._erasures.update_one({"_id": request_id}, {"$set": doc}, upsert=True)

    async def discard(self, request_id: str) -> None:
        """A request opened, then refused (no such reader): forgotten."""
        await self._erasures.delete_one({"_id": request_id})

    async def applied(self, event: ErasureApplied, *, known_only: bool = False) -> None:
        """Keep the confirmation (a replay's changes nothing: the most copies counted stay).
        ``known_only``: of a request opened here only (an institution zone hears every
        request's confirmations, the network zone's too)."""
        at = f"applied.{event.institution}/{event.service}"
        await self._erasures.update_one(
            {"_id": event.request_id},
            {
                "$set": {f"{at}.applied_at": event.applied_at, f"{at}.done": event.done},
                "$max": {f"{at}.accounts": event.accounts},
            },
            upsert=not known_only,
        )

    async def get(
        self, request_id: str
    ) -> tuple[dict[str, Any], dict[tuple[InstitutionCode, str], Confirmation]] | None:
        """The request (source, time) and its confirmations; None: no such request."""
        doc = await self._erasures.find_one({"_id": request_id})
        if doc is None or "source" not in doc:
            return None
        confirmations = {}
        for name, c in doc.get("applied", {}).items():
            inst, _, service = name.partition("/")
            confirmations[inst, service] = Confirmation(c["applied_at"], c["accounts"], c["done"])
        request: dict[str, Any] = {
            k: doc[k] for k in ("source", "erased_at", "network") if k in doc
        }
        return request, confirmations
