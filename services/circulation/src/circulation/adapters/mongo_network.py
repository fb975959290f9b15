"""The network activity projection in MongoDB: one document per other institution's loan
(``{institution}:{loan_id}``), kept only when its version is newer (versioned upsert)."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from circulation.domain.vocabulary import InstitutionCode
from rebub_shared.contracts.loans import LoanActivitySummary
from rebub_shared.mongo import Document

CLOSED = ["returned", "deleted"]


async def ensure_network_indexes(network: AsyncCollection[Document]) -> None:
    await network.create_index("primary_id")


class MongoNetworkActivityRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._network = collection

    async def record(
        self, institution: InstitutionCode, summary: LoanActivitySummary, recorded_at: datetime
    ) -> bool:
        doc_id = f"{summary.institution}:{summary.loan_id}"
        older = [{"version": {"$exists": False}}, {"version": {"$lt": summary.version}}]
        fields = {**summary.model_dump(mode="json"), "due_date": summary.due_date}
        fields.update(seen_in=institution, recorded_at=recorded_at)
        try:
            await self._network.update_one(
                {"_id": doc_id, "$or": older}, {"$set": fields}, upsert=True
            )
        except DuplicateKeyError:
            return False  # a newer (or the same) version is stored
        return True

    async def for_patron(
        self, institution: InstitutionCode, primary_id: str
    ) -> list[LoanActivitySummary]:
        docs = await self._network.find({"primary_id": primary_id}).to_list(length=None)
        fields = LoanActivitySummary.model_fields
        return [
            LoanActivitySummary.model_validate({k: v for k, v in d.items() if k in fields})
            for d in docs
        ]

    async def purge_closed_before(self, institution: InstitutionCode, before: datetime) -> int:
        # A closed loan's summary changes no more: it was recorded when the loan closed.
        result = await self._network.delete_many(
            {"status": {"$in": CLOSED}, "recorded_at": {"$lt": before}}
        )
        return result.deleted_count
