"""What both Mongo adapters share: chunked bulk writes and prefix search on stored name keys.

Inserts of new documents are one cheap ``insert_many``; replacements go in the ordered chunks
FerretDB v1 accepts (``rebub_shared.mongo.write_in_chunks``).
"""

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection

from rebub_shared.mongo import write_in_chunks

Document = dict[str, Any]


async def insert_all(collection: AsyncCollection[Document], docs: Sequence[Document]) -> None:
    """Insert new documents in one ordered ``insert_many``."""
    if docs:
        await collection.insert_many(list(docs), ordered=True)


async def replace_all(collection: AsyncCollection[Document], docs: Sequence[Document]) -> None:
    """Replace (upsert) documents by ``_id``, in ordered chunks FerretDB v1 accepts."""
    await write_in_chunks(collection, [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs])


def prefix_query(prefix: str) -> Document:
    """Documents one of whose ``name_keys`` starts with ``prefix`` (an anchored regex uses the
    index on MongoDB; FerretDB scans)."""
    return {"name_keys": {"$regex": f"^{re.escape(prefix)}"}}
