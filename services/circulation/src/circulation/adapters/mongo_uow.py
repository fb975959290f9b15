"""The MongoDB unit of work: one command's repositories over the institution's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from rebub_shared.mongo import Document
from rebub_shared.topics import Topics

from .mongo_catalogue import (
    MongoItemRepository,
    MongoPatronRepository,
    ensure_item_indexes,
    ensure_patron_indexes,
)
from .mongo_loans import MongoLoanRepository, ensure_loan_indexes
from .mongo_network import MongoNetworkActivityRepository, ensure_network_indexes
from .mongo_requests import MongoRequestRepository, ensure_request_indexes

LOANS, ITEMS, PATRONS = "loans", "items", "patrons"
REQUESTS, NETWORK_ACTIVITY = "requests", "network_activity"


class MongoUnitOfWork:
    """Repositories for one command (no transaction: every write is a single document)."""

    def __init__(self, db: AsyncDatabase[Document], topics: Topics) -> None:
        self.loans = MongoLoanRepository(db[LOANS], topics)
        self.items = MongoItemRepository(db[ITEMS], topics)
        self.patrons = MongoPatronRepository(db[PATRONS])
        self.requests = MongoRequestRepository(db[REQUESTS], topics)
        self.network = MongoNetworkActivityRepository(db[NETWORK_ACTIVITY])


async def ensure_indexes(db: AsyncDatabase[Document]) -> None:
    """Create the indexes the repositories rely on (idempotent)."""
    await ensure_loan_indexes(db[LOANS])
    await ensure_item_indexes(db[ITEMS])
    await ensure_patron_indexes(db[PATRONS])
    await ensure_request_indexes(db[REQUESTS])
    await ensure_network_indexes(db[NETWORK_ACTIVITY])
