"""HTTP routes: the network role exposes the import, an institution role the desk API; the app
is ``create_app`` in :mod:`patron_sync.entrypoints.http` (the host over the bootstrap's spec)."""

import shutil
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from patron_sync.domain import errors as e
from patron_sync.domain.absence import ImportMode
from patron_sync.domain.accounts import Patron
from patron_sync.domain.erasure import NETWORK_DONE, READER_DONE, ErasureDone, erasure_status
from patron_sync.domain.import_history import ImportEntry, ObservedImport, observed
from patron_sync.domain.import_report import ImportReport
from patron_sync.domain.patron import Address, Email, Identifier, PatronRecord, Phone
from patron_sync.domain.user_groups import UserGroup
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer import errors as se
from patron_sync.service_layer.queries import Found, find_by_barcode, search_by_name
from patron_sync.service_layer.unit_of_work import ConcurrentUpdateError, StoredPatron
from rebub_shared import bounds
from rebub_shared.audit import Audit
from rebub_shared.auth.guard import forbidden, requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.clock import NaiveDatetimeError, paris_date
from rebub_shared.http import Problem
from rebub_shared.messagebus import Command
from rebub_shared.permissions import Permission as P
from rebub_shared.tenancy import NETWORK, InstitutionCode, institution_codes

from .instance import PatronSync

#: The largest page of a name search.
MAX_PAGE = 100

STATUSES: dict[type[Exception], int] = {
    se.PatronNotFoundError: 404,
    se.BarcodeNotFoundError: 404,
    se.AccountExistsError: 409,
    e.NzOwnedFieldError: 409,
    e.DuplicateBarcodeError: 409,
    e.AdditionNotFoundError: 404,
    e.AccountKindError: 409,
    e.WaitingAccountMismatchError: 409,
    e.FixedFieldError: 409,
    e.PrimaryIdTakenError: 409,
    ConcurrentUpdateError: 409,
    e.SearchTermTooShortError: 422,
    e.InvalidFieldError: 422,
    e.UnknownUserGroupError: 422,
    NaiveDatetimeError: 422,
    e.FeedRefusedError: 422,
}


def service_of(request: Request) -> PatronSync:
    service: PatronSync = request.app.state.service
    return service


class PatronView(Patron):
    """An account as the desk sees it, with its IZ revision (what a later write must name)."""

    revision: int
    linked: Literal[True] = True
    ended_blocks: list[str] = Field(
        default=[],
        description="Ids of the staff blocks whose last day is behind today (Paris): listed, "
        "blocking no more (circulation ignores them; the next block added drops them).",
    )


class NetworkName(BaseModel):
    """What a search shows of a network account not linked here: its name and its source."""

    primary_id: str
    last_name: str
    first_name: str
    source_institution: InstitutionCode


class NetworkMatch(BaseModel):
    """A network account a search found that is not in this institution zone: shown, not
    linked (no contact data here). Opening it (``GET /patrons/{account_id}``) links it."""

    account_id: str
    linked: Literal[False] = False
    record: NetworkName


class PatronPage(BaseModel):
    """A page of a search: the accounts shown, how many match, where the next page starts."""

    patrons: list[PatronView | NetworkMatch]
    total: int
    offset: int
    limit: int
    next_offset: int | None


def view(stored: StoredPatron, service: PatronSync) -> PatronView:
    """An account as the desk sees it, with its IZ revision and its ended staff blocks marked
    (on the service's Paris day)."""
    today = paris_date(service.runtime.clock.now())
    blocks = stored.patron.additions.local_blocks
    ended = [b.block_id for b in blocks if b.ended_before(today)]
    fields = {"revision": stored.revision, "ended_blocks": ended}
    return PatronView.model_validate(dict(stored.patron) | fields)


def found_view(found: Found, service: PatronSync) -> PatronView | NetworkMatch:
    """A lookup's answer: this zone's account, or a network account's name (not linked)."""
    if isinstance(found, StoredPatron):
        return view(found, service)
    name = NetworkName(
        primary_id=found.primary_id,
        last_name=found.last_name,
        first_name=found.first_name,
        source_institution=found.source_institution,
    )
    return NetworkMatch(account_id=found.primary_id, record=name)


def network_router() -> APIRouter:
    router = APIRouter(tags=["imports"])

    @router.post("/imports")
    async def import_patrons(
        request: Request,
        file: Annotated[UploadFile, File()],
        source: InstitutionCode,
        audit: Audit,
        principal: Annotated[Principal, requires(P.IMPORTS_RUN)],
        mode: ImportMode = ImportMode.FULL,
        force: bool = False,
    ) -> ImportReport:
        """Import a DSI feed (Alma user XML or CSV); the upload is streamed to a spool file.

        Only the feed loader of ``source`` may upload its feed; ``force`` needs ``imports:force``.
        """
        check_feed_loader(principal, source, force)
        service = service_of(request)
        suffix = Path(file.filename or "feed").suffix.lower()
        spool = service.settings.spool_dir
        with tempfile.NamedTemporaryFile(suffix=suffix, dir=spool) as target:
            shutil.copyfileobj(file.file, target, length=1 << 20)
            target.flush()
            command = cmds.ImportFeed(
                Path(target.name),
                source,
                mode,
                force,
                file_name=file.filename or "feed",
                uploaded_by=principal.operator,
            )
            report = await service.import_feed(command)
        await audit.record(
            principal,
            "import-forced" if force else "import",
            targets={"source": source},
            mode=mode.value,
            received=report.received,
            absent=report.absent,
        )
        return report

    @router.get("/imports")
    async def list_imports(
        request: Request,
        principal: Annotated[Principal, requires(P.IMPORTS_RUN)],
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> list[ImportEntry]:
        """The imports of the token's institution, newest first: each feed's file name,
        checksum, who uploaded it, its counts and rejects, or why it was refused."""
        return await service_of(request).history.latest(principal.institution, limit)

    @router.get("/import-overview")
    async def import_overview(
        request: Request,
        _: Annotated[Principal, requires(P.NETWORK_OBSERVE)],
        per_source: Annotated[int, Query(ge=1, le=20)] = 3,
    ) -> list[ObservedImport]:
        """The network team's view: each institution's latest imports (institutions in the
        network's order, each newest first), their counts, and each reject's place, field and
        reason; no personal data (no uploader, no primary id, no value)."""
        history = service_of(request).history
        return [
            observed(entry)
            for source in institution_codes()
            for entry in await history.latest(source, per_source)
        ]

    @router.get("/imports/{import_id}", responses={404: {"description": "No such import"}})
    async def read_import(
        request: Request,
        import_id: str,
        principal: Annotated[Principal, requires(P.IMPORTS_RUN)],
    ) -> ImportEntry:
        """One import of the token's institution, with every reject's record number and reason."""
        entry = await service_of(request).history.get(import_id)
        if entry is None or entry.source != principal.institution:  # another's: not shown
            raise Problem(404, "Not Found", f"no import {import_id!r}", import_id=import_id)
        return entry

    @router.post("/erasures", status_code=201)
    async def erase(
        request: Request,
        body: ErasureIn,
        audit: Audit,
        principal: Annotated[Principal, requires(P.PRIVACY_ERASE)],
    ) -> ErasureView:
        """Erase one person (GDPR article 17): the network account is removed and a tombstone
        naming this request is published on ``nz.patron.v1``; each institution zone removes its
        entry and its copies of the person when it reads it. A privacy officer erases the
        people of their own institution's feed (another's: 404, as unknown)."""
        service = service_of(request)
        request_id = uuid.uuid4().hex
        source = None if principal.institution == NETWORK else principal.institution
        command = cmds.EraseAccount(body.primary_id, request_id, source)
        done = await service.network.handle(command)
        await service.erasures.opened(request_id, done.source, done.erased_at)
        # The audit trail keeps the request, never the person's name or contact data.
        await audit.record(principal, "erasure", targets={"request_id": request_id})
        return ErasureView.of(done)

    erasure_status_route(router)
    return router


def erasure_status_route(router: APIRouter) -> None:
    """``GET /erasures/{request_id}`` on the instance that took the request: the network zone
    (accounts), an institution zone (the external readers it created)."""

    @router.get("/erasures/{request_id}", responses={404: {"description": "No such request"}})
    async def read_erasure(
        request: Request,
        request_id: str,
        principal: Annotated[Principal, requires(P.PRIVACY_ERASE)],
    ) -> ErasureStatusView:
        """What an erasure request has done where: the network zone, then each institution's
        patron-sync, circulation and notifier (``done`` with its confirmation, ``pending``, or
        ``nothing held`` where the person was never linked). Another institution's request: 404."""
        found = await service_of(request).erasures.get(request_id)
        if found is None or principal.institution not in (NETWORK, found[0]["source"]):
            raise Problem(404, "Not Found", f"no erasure {request_id!r}", request_id=request_id)
        request_doc, confirmations = found
        zones, complete = erasure_status(confirmations, institution_codes())
        return ErasureStatusView(
            request_id=request_id,
            source=request_doc["source"],
            erased_at=request_doc["erased_at"],
            network=request_doc.get("network", NETWORK_DONE),
            institutions=zones,
            complete=complete,
        )


class ErasureStatusView(BaseModel):
    """Where an erasure request stands, service by service."""

    request_id: str
    source: str
    erased_at: datetime
    network: str
    institutions: dict[str, dict[str, dict[str, Any]]]
    complete: bool


class ErasureIn(BaseModel):
    """An erasure request: the person's primary id in the network zone."""

    model_config = ConfigDict(extra="forbid")

    primary_id: bounds.Identifier


class ErasureView(BaseModel):
    """What an erasure request did, where."""

    request_id: str
    primary_id: str
    source: str
    erased_at: AwareDatetime
    done: dict[str, str]

    @classmethod
    def of(cls, done: ErasureDone) -> "ErasureView":
        return cls.model_validate(done, from_attributes=True)


def check_feed_loader(principal: Principal, source: InstitutionCode, force: bool) -> None:
    """The token's institution uploads its own feed; forcing is a permission of its own."""
    if principal.institution != source:
        raise Problem(
            403,
            "Forbidden",
            f"a token of {principal.institution!r} may not import the feed of {source!r}",
            token_institution=principal.institution,
            source=source,
        )
    if force and not principal.can(P.IMPORTS_FORCE):
        raise forbidden(principal, P.IMPORTS_FORCE)


def _contacts() -> Any:
    """At most 10 emails, addresses, phones or identifiers in one request."""
    return Field(default=(), max_length=10)


class RecordIn(BaseModel):
    """Identity and contact of an internal account (external reader, waiting account)."""

    model_config = ConfigDict(extra="forbid")

    primary_id: bounds.Identifier = "NEW"
    last_name: bounds.Name
    first_name: bounds.FirstName = ""
    user_group: UserGroup
    expiry_date: bounds.Day
    emails: tuple[Email, ...] = _contacts()
    addresses: tuple[Address, ...] = _contacts()
    phones: tuple[Phone, ...] = _contacts()
    identifiers: tuple[Identifier, ...] = _contacts()

    def record(self, tenant: InstitutionCode) -> PatronRecord:
        return PatronRecord.model_validate(self.model_dump() | {"source_institution": tenant})


class ReaderChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emails: tuple[Email, ...] | None = Field(default=None, max_length=10)
    addresses: tuple[Address, ...] | None = Field(default=None, max_length=10)
    phones: tuple[Phone, ...] | None = Field(default=None, max_length=10)
    expiry_date: bounds.Day | None = None


class AccountChange(ReaderChange):
    """A waiting account's record, corrected (an external account's NZ-owned fields: 409)."""

    primary_id: bounds.Identifier | None = None
    last_name: bounds.Name | None = None
    first_name: bounds.FirstName | None = None
    user_group: UserGroup | None = None
    source_institution: InstitutionCode | None = Field(
        default=None, description="Fixed at creation: another institution is refused (409)."
    )
    campus: bounds.Line | None = None
    identifiers: tuple[Identifier, ...] | None = Field(default=None, max_length=10)


def desk_router() -> APIRouter:
    router = APIRouter(tags=["desk"])

    reader = [requires(P.PATRONS_READ)]

    @router.get("/patrons", dependencies=reader)
    async def find_patrons(
        request: Request,
        barcode: bounds.Identifier | None = None,
        name: bounds.SearchTerm | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE)] = None,
    ) -> PatronPage:
        """By barcode (404 with a hint), or by name (prefix, 3 letters at least; "martin chl" is
        last name then first name): this institution's own first, exact names before prefixes,
        a page from ``offset`` with the ``total`` and the ``next_offset``. A search links
        nobody: a network account not yet here is shown by name (``linked: false``) and is
        linked when opened (``GET /patrons/{account_id}``)."""
        s = service_of(request)
        if barcode:
            found = found_view(await find_by_barcode(s.iz_uow(), barcode), s)
            return PatronPage(patrons=[found], total=1, offset=0, limit=1, next_offset=None)
        if name is not None:
            size = limit or s.settings.name_search_limit
            page = await search_by_name(s.iz_uow(), name, offset=offset, limit=size)
            return PatronPage(
                patrons=[found_view(p, s) for p in page.patrons],
                total=page.total,
                offset=page.offset,
                limit=page.limit,
                next_offset=page.next_offset,
            )
        raise Problem(422, "Invalid request", "give barcode or name", field="barcode", value=None)

    @router.post("/patron-links")
    async def link_patrons(
        request: Request,
        body: LinksIn,
        audit: Audit,
        who: Annotated[Principal, requires(P.PATRONS_EDIT)],
    ) -> cmds.LinkReport:
        """Link many network accounts into this institution zone at once (an institution
        joining, a migration; at most 1,000 primary ids a request), as opening each would: the
        report lists each id once under ``linked``, ``already_linked`` or ``unknown`` (in neither
        zone, or erased)."""
        s = service_of(request)
        report = await s.handle(cmds.LinkPatrons(s.institution, tuple(body.primary_ids)))
        await audit.record(
            who,
            "patrons-linked",
            linked=len(report.linked),
            already_linked=len(report.already_linked),
            unknown=len(report.unknown),
        )
        return report

    @router.get("/patrons/{account_id}", dependencies=reader)
    async def get_patron(request: Request, account_id: str) -> PatronView:
        """The account (an NZ account's primary id links it into this IZ on first use)."""
        s = service_of(request)
        return view(await s.handle(cmds.LinkPatron(s.institution, account_id)), s)

    @router.patch("/patrons/{account_id}", dependencies=[requires(P.PATRONS_EDIT)])
    async def edit_patron(request: Request, account_id: str, changes: AccountChange) -> PatronView:
        s = service_of(request)
        edits = changes.model_dump(exclude_unset=True)
        return view(await s.handle(cmds.EditPatron(s.institution, account_id, edits)), s)

    @router.post(
        "/patrons/{account_id}/identifiers",
        status_code=201,
        dependencies=[requires(P.PATRONS_EDIT)],
    )
    async def add_identifier(request: Request, account_id: str, body: Identifier) -> PatronView:
        s = service_of(request)
        return view(await s.handle(cmds.AddIdentifier(s.institution, account_id, body)), s)

    @router.post("/external-readers", status_code=201)
    async def create_reader(
        request: Request,
        body: RecordIn,
        audit: Audit,
        who: Annotated[Principal, requires(P.EXTERNAL_READERS_WRITE)],
    ) -> PatronView:
        s = service_of(request)
        record = body.model_copy(update={"user_group": UserGroup.LECTEUR_EXTERIEUR})
        command = cmds.CreateExternalReader(s.institution, record.record(s.institution))
        return await audited(s, command, audit, who, "external-reader-created")

    @router.patch(
        "/external-readers/{account_id}", dependencies=[requires(P.EXTERNAL_READERS_WRITE)]
    )
    async def change_reader(request: Request, account_id: str, body: ReaderChange) -> PatronView:
        s = service_of(request)
        command = cmds.ChangeExternalReader(
            s.institution, account_id, **body.model_dump(exclude_none=True)
        )
        return view(await s.handle(command), s)

    @router.post("/external-readers/{account_id}/close")
    async def close_reader(
        request: Request,
        account_id: str,
        audit: Audit,
        who: Annotated[Principal, requires(P.EXTERNAL_READERS_WRITE)],
    ) -> PatronView:
        """Close an external reader (final; closed already: 409): every institution zone
        closes its copy through ``net.external-reader.v1`` and its desk refuses the reader loans
        (the zone's patron snapshot says ``closed``). Open loans stay to be returned."""
        s = service_of(request)
        command = cmds.CloseExternalReader(s.institution, account_id)
        return await audited(s, command, audit, who, "external-reader-closed")

    @router.post(
        "/external-readers/{account_id}/erasure",
        status_code=201,
        responses={404: {"description": "No external reader created here"}},
    )
    async def erase_reader(
        request: Request,
        account_id: str,
        audit: Audit,
        principal: Annotated[Principal, requires(P.PRIVACY_ERASE)],
    ) -> ErasureView:
        """Erase an external reader this institution created (GDPR article 17; a privacy
        officer of this institution only): a tombstone naming the request is published on
        ``net.external-reader.v1``, and every institution zone removes its copy when it reads
        it. The status: ``GET /erasures/{request_id}`` here."""
        s = service_of(request)
        if principal.institution != s.institution:
            raise Problem(
                403,
                "Forbidden",
                f"only a privacy officer of {s.institution!r} erases its external readers",
                token_institution=principal.institution,
            )
        request_id = uuid.uuid4().hex
        # Opened before the tombstone goes out: the first confirmations may come at once.
        await s.erasures.opened(request_id, s.institution, s.runtime.clock.now(), READER_DONE)
        try:
            done = await s.handle(cmds.RequestReaderErasure(s.institution, account_id, request_id))
        except Exception:
            await s.erasures.discard(request_id)
            raise
        await audit.record(principal, "erasure", targets={"request_id": request_id})
        return ErasureView.of(done)

    erasure_status_route(router)

    @router.post("/waiting-accounts", status_code=201)
    async def create_waiting(
        request: Request,
        body: RecordIn,
        audit: Audit,
        who: Annotated[Principal, requires(P.WAITING_ACCOUNTS_WRITE)],
    ) -> PatronView:
        s = service_of(request)
        command = cmds.CreateWaitingAccount(s.institution, body.record(s.institution))
        return await audited(s, command, audit, who, "waiting-account-created")

    @router.post("/waiting-accounts/{account_id}/merge")
    async def merge_waiting(
        request: Request,
        account_id: str,
        body: MergeIn,
        audit: Audit,
        who: Annotated[Principal, requires(P.WAITING_ACCOUNTS_WRITE)],
    ) -> PatronView:
        """Staff confirm the waiting account is the reader of ``primary_id`` (another id): it is
        merged into that account, loans included, and closed (``WaitingAccountMerged``)."""
        s = service_of(request)
        command = cmds.MergeWaitingAccount(s.institution, account_id, body.primary_id)
        return await audited(
            s, command, audit, who, "waiting-account-merged", waiting_id=account_id
        )

    return router


class LinksIn(BaseModel):
    """The network accounts to link into this institution zone."""

    model_config = ConfigDict(extra="forbid")

    primary_ids: list[bounds.Identifier] = Field(min_length=1, max_length=cmds.MAX_BULK_LINK)


class MergeIn(BaseModel):
    """The institutional account staff matched to the waiting account."""

    model_config = ConfigDict(extra="forbid")

    primary_id: bounds.Identifier


async def audited(
    service: PatronSync,
    command: Command[StoredPatron],
    audit: Audit,
    who: Principal,
    action: str,
    **details: Any,
) -> PatronView:
    """Run a command on one account, then record ``action`` against the account it answered."""
    answer = view(await service.handle(command), service)
    await audit.record(who, action, targets={"account_id": answer.account_id}, **details)
    return answer
