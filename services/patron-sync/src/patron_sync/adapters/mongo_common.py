"""What both Mongo adapters share: chunked bulk writes and prefix search on stored name keys.

FerretDB v1 (SQLite) hangs on an unordered bulk write, or an ordered one of more than about 60
operations; it writes replacements one by one anyway. Inserts of new documents are one cheap
``insert_many``; replacements go in ordered chunks of :data:`CHUNK`.
"""

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]
CHUNK = 50


async def insert_all(collection: AsyncCollection[Document], docs: Sequence[Document]) -> None:
    """Insert new documents in one ordered ``insert_many``."""
    if docs:
        await collection.insert_many(list(docs), ordered=True)


async def replace_all(collection: AsyncCollection[Document], docs: Sequence[Document]) -> None:
    """Replace (upsert) documents by ``_id``, in ordered chunks FerretDB v1 accepts."""
    ops = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs]
    for start in range(0, len(ops), CHUNK):
        await collection.bulk_write(ops[start : start + CHUNK], ordered=True)


def prefix_query(prefix: str) -> Document:
    """Documents one of whose ``name_keys`` starts with ``prefix`` (an anchored regex uses the
    index on MongoDB; FerretDB scans)."""
    return {"name_keys": {"$regex": f"^{re.escape(prefix)}"}}
