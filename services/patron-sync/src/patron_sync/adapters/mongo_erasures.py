"""The erasure requests in the network instance's database (``erasures``): each request's id,
source institution and time, and each service's confirmation. No personal data: the primary id
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

    async def opened(self, request_id: str, source: InstitutionCode, at: datetime) -> None:
        doc = {"source": source, "erased_at": at}
        await self._erasures.update_one({"_id": request_id}, {"$set": doc}, upsert=True)

    async def applied(self, event: ErasureApplied) -> None:
        """Keep the confirmation (a replay's changes nothing: the most copies counted stay)."""
        at = f"applied.{event.institution}/{event.service}"
        await self._erasures.update_one(
            {"_id": event.request_id},
            {
                "$set": {f"{at}.applied_at": event.applied_at, f"{at}.done": event.done},
                "$max": {f"{at}.accounts": event.accounts},
            },
            upsert=True,
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
        return {"source": doc["source"], "erased_at": doc["erased_at"]}, confirmations
