"""One institution zone's store, in its own database only: its patrons (each document holds
its outbox), the unique barcode index, and its projection of ``nz.patron.v1``."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from patron_sync.adapters.events import patron_events
from patron_sync.adapters.mongo_common import Document, insert_all, replace_all
from patron_sync.adapters.mongo_names import NameIndex
from patron_sync.domain.accounts import AccountStatus, Patron
from patron_sync.domain.errors import DuplicateBarcodeError
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.domain.nz_entries import NzEntry
from patron_sync.domain.search import NameEntry, name_keys
from patron_sync.service_layer.unit_of_work import (
    ConcurrentUpdateError,
    Departures,
    NetworkAccounts,
    NzProjection,
    PatronRepository,
    RecordPosition,
    StagedSave,
    StoredPatron,
    active_barcodes,
    released_barcodes,
)
from rebub_shared.clock import Clock
from rebub_shared.logging import get_logger
from rebub_shared.outbox import OutboxRelay, outbox_set
from rebub_shared.tenancy import InstitutionCode
from rebub_shared.topics import Topics

PATRONS, BARCODES, NZ_ACCOUNTS, COUNTERS = "patrons", "barcodes", "nz_accounts", "counters"
PATRON_NAMES, NZ_NAMES = "patron_names", "nz_names"
log = get_logger(__name__)


def _stored(doc: Document) -> StoredPatron:
    patron = Patron.model_validate(doc["patron"])
    return StoredPatron(patron, int(doc["revision"]), tuple(doc.get("merged_from", ())))


def _patron_entry(account_id: str, patron: Patron) -> NameEntry:
    return NameEntry.of(account_id, patron.record, active=patron.status is AccountStatus.ACTIVE)


def _nz_entry_of(doc: Document | None) -> NameEntry | None:
    """The name entry of a stored projection document (None: not stored, or unreadable)."""
    if doc is None or "entry" not in doc:
        return None
    return NzEntry.model_validate(doc["entry"]).name_entry()


class MongoPatrons:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection, self.barcodes = db[PATRONS], db[BARCODES]
        self.names = NameIndex(db[PATRON_NAMES])

    async def get(self, account_id: str) -> StoredPatron | None:
        doc = await self.collection.find_one({"_id": account_id})
        return None if doc is None else _stored(doc)

    async def get_many(self, account_ids: Iterable[str]) -> dict[str, StoredPatron]:
        cursor = self.collection.find({"_id": {"$in": list(account_ids)}})
        return {doc["_id"]: _stored(doc) async for doc in cursor}

    async def barcode_holder(self, barcode: str) -> str | None:
        doc = await self.barcodes.find_one({"_id": barcode})
        return None if doc is None else str(doc["account_id"])

    async def by_barcode(self, barcode: str) -> StoredPatron | None:
        holder = await self.barcode_holder(barcode)
        return None if holder is None else await self.get(holder)

    async def name_entries(self, bucket: str) -> list[NameEntry]:
        return await self.names.entries(bucket)

    async def erase(self, account_id: str) -> bool:
        doc = await self.collection.find_one({"_id": account_id})
        if doc is None:
            return False
        patron = _stored(doc).patron
        barcodes = sorted(patron.all_barcodes())
        await self.collection.delete_one({"_id": account_id})
        if barcodes:
            await self.barcodes.delete_many({"_id": {"$in": barcodes}, "account_id": account_id})
        await self.names.update([], {account_id: name_keys(patron.record)})
        return True


class MongoNzProjection:
    """The IZ's own copy of the compacted ``nz.patron.v1``: one :class:`NzEntry` per network
    account (what a search needs, no contact data; never shown as IZ patrons)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db[NZ_ACCOUNTS]
        self.names = NameIndex(db[NZ_NAMES])

    @staticmethod
    def _doc(entry: NzEntry, at: RecordPosition | None) -> Document:
        doc: Document = {
            "_id": entry.primary_id,
            "version": entry.version,
            "barcodes": list(entry.barcodes),
            "entry": entry.model_dump(mode="json"),
        }
        if at is not None:
            doc["at"] = list(at)  # [partition, offset] on nz.patron.v1
        return doc

    async def positions(self, primary_ids: Iterable[str]) -> dict[str, RecordPosition | None]:
        cursor = self.collection.find(
            {"_id": {"$in": list(primary_ids)}, "entry": {"$exists": True}}, {"at": 1}
        )
        return {
            doc["_id"]: RecordPosition(*doc["at"]) if doc.get("at") else None
            async for doc in cursor
        }

    async def get(self, primary_id: str) -> NzEntry | None:
        doc = await self.collection.find_one({"_id": primary_id})
        return None if doc is None or "entry" not in doc else NzEntry.model_validate(doc["entry"])

    async def get_many(self, primary_ids: Iterable[str]) -> dict[str, NzEntry]:
        wanted = list(primary_ids)
        if not wanted:
            return {}
        cursor = self.collection.find({"_id": {"$in": wanted}, "entry": {"$exists": True}})
        return {doc["_id"]: NzEntry.model_validate(doc["entry"]) async for doc in cursor}

    async def by_barcode(self, barcode: str) -> NzEntry | None:
        doc = await self.collection.find_one({"barcodes": barcode, "entry": {"$exists": True}})
        return None if doc is None else NzEntry.model_validate(doc["entry"])

    async def versions(self, primary_ids: Iterable[str]) -> dict[str, int]:
        cursor = self.collection.find({"_id": {"$in": list(primary_ids)}}, {"version": 1})
        return {doc["_id"]: int(doc["version"]) async for doc in cursor}

    async def _stored(
        self, primary_ids: Sequence[str], fields: Sequence[str] = ("entry",)
    ) -> dict[str, Document]:
        if not primary_ids:
            return {}
        cursor = self.collection.find({"_id": {"$in": list(primary_ids)}}, list(fields))
        return {doc["_id"]: doc async for doc in cursor}

    async def put(
        self,
        new: Sequence[NzAccount],
        newer: Sequence[NzAccount],
        positions: Mapping[str, RecordPosition] | None = None,
    ) -> None:
        fresh = [NzEntry.of(a) for a in new]
        changes = [NzEntry.of(a) for a in newer]
        at = positions or {}
        stored = await self._stored([e.primary_id for e in changes])
        await insert_all(self.collection, [self._doc(e, at.get(e.primary_id)) for e in fresh])
        await replace_all(self.collection, [self._doc(e, at.get(e.primary_id)) for e in changes])
        # A change the name index does not show (an email, an address) writes no bucket.
        changed = [e for e in changes if _nz_entry_of(stored.get(e.primary_id)) != e.name_entry()]
        before = {
            e.primary_id: stored[e.primary_id].get("entry", {}).get("name_keys", [])
            for e in changed
            if e.primary_id in stored
        }
        await self.names.update([e.name_entry() for e in (*fresh, *changed)], before)

    async def delete(self, primary_ids: Sequence[str]) -> None:
        if primary_ids:
            stored = await self._stored(primary_ids)
            await self.collection.delete_many({"_id": {"$in": list(primary_ids)}})
            previous = {k: d.get("entry", {}).get("name_keys", []) for k, d in stored.items()}
            await self.names.update([], previous)

    async def name_entries(self, bucket: str) -> list[NameEntry]:
        return await self.names.entries(bucket)

    async def trim(self) -> int:
        """Rewrite the documents of a projection written before issue 21 (a whole network
        account each, contact data included) as entries; returns how many were trimmed."""
        trimmed = 0
        async for doc in self.collection.find({"account": {"$exists": True}}):
            entry = NzEntry.of(NzAccount.model_validate(doc["account"]))
            await self.collection.replace_one({"_id": doc["_id"]}, self._doc(entry, None))
            trimmed += 1
        return trimmed


async def ensure_iz_indexes(db: AsyncDatabase[Document]) -> None:
    """Indexes of an IZ database (the barcode index is the ``barcodes`` collection's ``_id``);
    the name indexes are built from their collections when the store predates them."""
    patrons, nz = MongoPatrons(db), MongoNzProjection(db)
    if trimmed := await nz.trim():
        log.info("nz_projection_trimmed", accounts=trimmed)
    await nz.collection.create_index("barcodes")
    if not await patrons.names.built():
        stored = [_stored(doc) async for doc in patrons.collection.find({})]
        await patrons.names.rebuild(_patron_entry(s.patron.account_id, s.patron) for s in stored)
    if not await nz.names.built():
        entries = [NzEntry.model_validate(d["entry"]) async for d in nz.collection.find({})]
        await nz.names.rebuild(e.name_entry() for e in entries)


class NoNetwork:
    """No network zone to read, no broker to announce erasures on (a store-only unit of work)."""

    async def account(
        self, primary_id: str, position: RecordPosition | None = None
    ) -> NzAccount | None:
        return None

    async def accounts(
        self, primary_ids: Sequence[str], positions: Mapping[str, RecordPosition | None]
    ) -> dict[str, NzAccount]:
        return {}

    async def erased(self, account_ids: Sequence[str], request_id: str) -> None:
        return None

    async def applied(self, request_id: str, accounts: int, about: Sequence[str] = ()) -> None:
        return None

    async def purged(self, account_ids: Sequence[str]) -> None:
        return None

    async def reader_erased(self, reader_id: str, request_id: str) -> None:
        raise RuntimeError("no broker to publish an external reader's erasure on")


class MongoIzUnitOfWork:
    """Stages patron saves; ``commit`` claims barcodes, writes each patron with its events in
    one document write (revision-checked), releases dropped barcodes, then relays the outbox."""

    def __init__(
        self,
        tenant: InstitutionCode,
        db: AsyncDatabase[Document],
        topics: Topics,
        clock: Clock,
        relay: OutboxRelay | None = None,
        network: NetworkAccounts | None = None,
        departures: Departures | None = None,
    ) -> None:
        self.tenant, self._db, self._topics, self._clock = tenant, db, topics, clock
        self.network: NetworkAccounts = network or NoNetwork()
        self.departures: Departures = departures or NoNetwork()
        self._patrons = MongoPatrons(db)
        self.patrons: PatronRepository = self._patrons
        self.nz: NzProjection = MongoNzProjection(db)
        self.staged: list[StagedSave] = []
        self.written: dict[str, dict[str, Any]] = {}  # by account id: relayed without a read
        self._relay = relay

    async def next_reader_number(self) -> int:
        doc = await self._db[COUNTERS].find_one_and_update(
            {"_id": "external_reader"},
            {"$inc": {"n": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None
        return int(doc["n"])

    async def _claim(
        self, account_id: str, barcodes: set[str], released: dict[str, str]
    ) -> list[str]:
        claimed: list[str] = []
        for barcode in sorted(barcodes):
            try:
                await self._patrons.barcodes.insert_one({"_id": barcode, "account_id": account_id})
                claimed.append(barcode)
            except DuplicateKeyError:
                holder = await self._patrons.barcode_holder(barcode)
                if holder is not None and released.get(barcode) == holder:
                    # Taken over from an account of this commit that gives it up (a merge).
                    query = {"_id": barcode, "account_id": holder}
                    await self._patrons.barcodes.update_one(
                        query, {"$set": {"account_id": account_id}}
                    )
                elif holder != account_id:
                    await self._release(account_id, claimed)
                    raise DuplicateBarcodeError(
                        "barcode", barcode, f"already held by {holder}"
                    ) from None
        return claimed

    async def _release(self, account_id: str, barcodes: Iterable[str]) -> None:
        if released := list(barcodes):  # most writes release nothing: no query at all
            query = {"_id": {"$in": released}, "account_id": account_id}
            await self._patrons.barcodes.delete_many(query)

    async def _write(self, save: StagedSave, released: dict[str, str]) -> StoredPatron:
        patron, previous = save.patron, save.previous
        key, before = patron.account_id, previous.revision if previous else 0
        old = active_barcodes(previous.patron) if previous else set()
        new = active_barcodes(patron)
        claimed = await self._claim(key, new - old, released)
        revision = before + 1
        events = patron_events(
            patron, revision, save.also, self._topics, self._clock, save.correlation_id
        )
        fields: dict[str, Any] = {
            "revision": revision,
            "patron": patron.model_dump(mode="json"),
            "merged_from": list(save.merged_from),
            "name_keys": list(name_keys(patron.record)),
            "barcodes": sorted(new),
        } | outbox_set(events, first_seq=revision * 10)
        try:
            # The document comes back with the write: the relay publishes it without a read.
            written = await self._patrons.collection.find_one_and_update(
                {"_id": key, "revision": before},
                {"$set": fields},
                upsert=before == 0,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            written = None
        if written is None:
            await self._release(key, claimed)
            raise ConcurrentUpdateError(key)
        self.written[key] = written
        await self._release(key, old - new)
        entry = _patron_entry(key, patron)
        # A change the name index does not show (an email, an address) writes no bucket.
        if previous is None or _patron_entry(key, previous.patron) != entry:
            was = {key: name_keys(previous.patron.record)} if previous else {}
            await self._patrons.names.update([entry], was)
        return StoredPatron(patron, revision, save.merged_from)

    async def commit(self) -> list[StoredPatron]:
        staged, self.staged = self.staged, []
        released = released_barcodes(staged)
        saved = [await self._write(save, released) for save in staged]
        if self._relay is not None and saved:
            for stored in saved:
                try:
                    account_id = stored.patron.account_id
                    await self._relay.relay_soon(account_id, self.written.pop(account_id, None))
                except Exception as error:  # written: the relay's loop retries it by _id
                    log.warning(
                        "outbox_relay_deferred",
                        account_id=stored.patron.account_id,
                        error=str(error),
                    )
        return saved
