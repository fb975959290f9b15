"""HTTP API: the network role exposes the import, an institution role the desk API."""

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, File, Query, Request, UploadFile
from pydantic import AwareDatetime, BaseModel, ConfigDict

from patron_sync.bootstrap import PatronSync, build, started
from patron_sync.domain import errors as e
from patron_sync.domain.absence import ImportMode
from patron_sync.domain.accounts import LocalBlock, Note
from patron_sync.domain.import_report import ImportReport
from patron_sync.domain.institutions import Institution
from patron_sync.domain.patron import Address, Email, Identifier, PatronRecord, Phone
from patron_sync.domain.user_groups import UserGroup
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer import errors as se
from patron_sync.service_layer.queries import find_by_barcode, search_by_name
from patron_sync.service_layer.unit_of_work import ConcurrentUpdateError, StoredPatron
from patron_sync.settings import PatronSyncSettings
from rebub_shared.clock import Clock
from rebub_shared.http import Problem, install_problem_handlers, ops_router

#: The largest page of a name search.
MAX_PAGE = 100

STATUSES: dict[type[Exception], int] = {
    se.PatronNotFoundError: 404,
    se.BarcodeNotFoundError: 404,
    se.AccountExistsError: 409,
    e.NzOwnedFieldError: 409,
    e.DuplicateBarcodeError: 409,
    e.AccountKindError: 409,
    e.WaitingAccountMismatchError: 409,
    ConcurrentUpdateError: 409,
    e.SearchTermTooShortError: 422,
    e.InvalidFieldError: 422,
    e.UnknownUserGroupError: 422,
    e.NaiveDatetimeError: 422,
    e.FeedRefusedError: 422,
}


def _service(request: Request) -> PatronSync:
    service: PatronSync = request.app.state.service
    return service


def view(stored: StoredPatron) -> dict[str, Any]:
    """An account as the desk sees it, with its IZ revision."""
    return stored.patron.model_dump(mode="json") | {"revision": stored.revision}


def network_router() -> APIRouter:
    router = APIRouter(tags=["imports"])

    @router.post("/imports")
    async def import_patrons(
        request: Request,
        file: Annotated[UploadFile, File()],
        source: Institution,
        mode: ImportMode = ImportMode.FULL,
        force: bool = False,
    ) -> ImportReport:
        """Import a DSI feed (Alma user XML or CSV); the upload is streamed to a spool file."""
        service = _service(request)
        suffix = Path(file.filename or "feed").suffix.lower()
        spool = service.settings.spool_dir
        with tempfile.NamedTemporaryFile(suffix=suffix, dir=spool) as target:
            shutil.copyfileobj(file.file, target, length=1 << 20)
            target.flush()
            command = cmds.ImportFeed(Path(target.name), source, mode, force)
            return await service.import_feed(command)

    return router


class RecordIn(BaseModel):
    """Identity and contact of an internal account (external reader, waiting account)."""

    model_config = ConfigDict(extra="forbid")

    primary_id: str = "NEW"
    last_name: str
    first_name: str = ""
    user_group: UserGroup
    expiry_date: date
    emails: tuple[Email, ...] = ()
    addresses: tuple[Address, ...] = ()
    phones: tuple[Phone, ...] = ()
    identifiers: tuple[Identifier, ...] = ()

    def record(self, tenant: Institution) -> PatronRecord:
        return PatronRecord.model_validate(self.model_dump() | {"source_institution": tenant})


class ReaderChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emails: tuple[Email, ...] | None = None
    addresses: tuple[Address, ...] | None = None
    phones: tuple[Phone, ...] | None = None
    expiry_date: date | None = None


class NoteIn(BaseModel):
    text: str
    created_by: str


class BlockIn(BaseModel):
    block_type: str
    reason: str
    created_by: str
    expires_at: AwareDatetime | None = None


def desk_router() -> APIRouter:
    router = APIRouter(tags=["desk"])

    @router.get("/patrons")
    async def find_patrons(
        request: Request,
        barcode: str | None = None,
        name: str | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE)] = None,
    ) -> dict[str, Any]:
        """By barcode (404 with a hint), or by name (prefix, 3 letters at least; "martin chl" is
        last name then first name): this institution's own first, exact names before prefixes,
        a page from ``offset`` with the ``total`` and the ``next_offset`` (network accounts on
        the page are linked into this IZ)."""
        s = _service(request)
        if barcode:
            found = view(await find_by_barcode(s.iz_uow(), barcode))
            return {"patrons": [found], "total": 1, "offset": 0, "limit": 1, "next_offset": None}
        if name is not None:
            size, now = limit or s.settings.name_search_limit, s.runtime.clock.now()
            page = await search_by_name(s.iz_uow(), name, now, offset=offset, limit=size)
            return {
                "patrons": [view(p) for p in page.patrons],
                "total": page.total,
                "offset": page.offset,
                "limit": page.limit,
                "next_offset": page.next_offset,
            }
        raise Problem(422, "Invalid request", "give barcode or name", field="barcode", value=None)

    @router.get("/patrons/{primary_id}")
    async def get_patron(request: Request, primary_id: str) -> dict[str, Any]:
        s = _service(request)
        return view(await s.handle(cmds.LinkPatron(s.institution, primary_id)))

    @router.patch("/patrons/{account_id}")
    async def edit_patron(
        request: Request, account_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        s = _service(request)
        return view(await s.handle(cmds.EditPatron(s.institution, account_id, changes)))

    @router.post("/patrons/{account_id}/identifiers", status_code=201)
    async def add_identifier(request: Request, account_id: str, body: Identifier) -> dict[str, Any]:
        s = _service(request)
        return view(await s.handle(cmds.AddIdentifier(s.institution, account_id, body)))

    @router.post("/patrons/{account_id}/notes", status_code=201)
    async def add_note(request: Request, account_id: str, body: NoteIn) -> dict[str, Any]:
        s = _service(request)
        note = Note(text=body.text, created_by=body.created_by, created_at=s.runtime.clock.now())
        return view(await s.handle(cmds.AddNote(s.institution, account_id, note)))

    @router.post("/patrons/{account_id}/blocks", status_code=201)
    async def add_block(request: Request, account_id: str, body: BlockIn) -> dict[str, Any]:
        s = _service(request)
        block = LocalBlock(created_at=s.runtime.clock.now(), **body.model_dump())
        return view(await s.handle(cmds.AddLocalBlock(s.institution, account_id, block)))

    @router.post("/external-readers", status_code=201)
    async def create_reader(request: Request, body: RecordIn) -> dict[str, Any]:
        s = _service(request)
        record = body.model_copy(update={"user_group": UserGroup.LECTEUR_EXTERIEUR})
        command = cmds.CreateExternalReader(s.institution, record.record(s.institution))
        return view(await s.handle(command))

    @router.patch("/external-readers/{account_id}")
    async def change_reader(
        request: Request, account_id: str, body: ReaderChange
    ) -> dict[str, Any]:
        s = _service(request)
        command = cmds.ChangeExternalReader(
            s.institution, account_id, **body.model_dump(exclude_none=True)
        )
        return view(await s.handle(command))

    @router.post("/waiting-accounts", status_code=201)
    async def create_waiting(request: Request, body: RecordIn) -> dict[str, Any]:
        s = _service(request)
        command = cmds.CreateWaitingAccount(s.institution, body.record(s.institution))
        return view(await s.handle(command))

    return router


def create_app(settings: PatronSyncSettings, clock: Clock | None = None) -> FastAPI:
    """The app of one instance: network role (imports) or institution role (desk API)."""
    service = build(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with started(service):
            yield

    app = FastAPI(title=f"patron-sync [{settings.tenant}]", lifespan=lifespan)
    app.state.service = service
    install_problem_handlers(app, STATUSES)
    rt = service.runtime
    app.include_router(
        ops_router(
            ready=rt.ready, clock=rt.clock, dev_clock=settings.dev_clock_enabled, metrics=rt.metrics
        )
    )
    app.include_router(network_router() if service.is_network else desk_router())
    return app
