"""HTTP routes of what an institution zone adds to an account: notes (add, edit, delete, the
"show at the desk" flag), staff blocks (add with a start and an optional end, lift) and local
statistical categories (set, remove). Authors
are the tokens' subjects; every change is audited against the account."""

from datetime import date
from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from patron_sync.domain.accounts import LocalBlock, Note, Statistic
from patron_sync.service_layer import commands as cmds
from rebub_shared import bounds
from rebub_shared.audit import Audit
from rebub_shared.auth.guard import requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.clock import paris_date
from rebub_shared.permissions import Permission as P

from .routes import PatronView, audited, service_of


def _new_id() -> str:
    return uuid4().hex[:16]


class NoteIn(BaseModel):
    """A note; its author is the token's subject (a ``created_by`` field is refused)."""

    model_config = ConfigDict(extra="forbid")

    text: bounds.Note
    at_desk: bool = False


class NoteChange(BaseModel):
    """A note's new text and/or "show at the desk" flag (an absent field is unchanged)."""

    model_config = ConfigDict(extra="forbid")

    text: bounds.Note | None = None
    at_desk: bool | None = None


class StatisticIn(BaseModel):
    """The value of a local statistical category."""

    model_config = ConfigDict(extra="forbid")

    value: bounds.Code


class BlockIn(BaseModel):
    """A staff block from ``starts_on`` (default: today) to ``ends_on`` included (Paris days;
    absent: until lifted). Who set it is the token's subject (a ``created_by`` field is refused)."""

    model_config = ConfigDict(extra="forbid")

    block_type: bounds.Code
    reason: bounds.Reason
    starts_on: bounds.Day | None = None
    ends_on: bounds.Day | None = None


def additions_router() -> APIRouter:
    router = APIRouter(tags=["desk"])
    notes = requires(P.PATRONS_NOTES)
    blocks = requires(P.PATRONS_BLOCKS)
    editor = requires(P.PATRONS_EDIT)

    @router.post("/patrons/{account_id}/notes", status_code=201)
    async def add_note(
        request: Request,
        account_id: str,
        body: NoteIn,
        audit: Audit,
        who: Annotated[Principal, notes],
    ) -> PatronView:
        s = service_of(request)
        note = Note(
            note_id=_new_id(),
            text=body.text,
            at_desk=body.at_desk,
            created_by=who.operator,
            created_at=s.runtime.clock.now(),
        )
        command = cmds.AddNote(s.institution, account_id, note)
        return await audited(s, command, audit, who, "note-added", note_id=note.note_id)

    @router.patch("/patrons/{account_id}/notes/{note_id}")
    async def edit_note(
        request: Request,
        account_id: str,
        note_id: str,
        body: NoteChange,
        audit: Audit,
        who: Annotated[Principal, notes],
    ) -> PatronView:
        s = service_of(request)
        command = cmds.EditNote(
            s.institution, account_id, note_id, who.operator, body.text, body.at_desk
        )
        return await audited(s, command, audit, who, "note-edited", note_id=note_id)

    @router.delete("/patrons/{account_id}/notes/{note_id}")
    async def delete_note(
        request: Request,
        account_id: str,
        note_id: str,
        audit: Audit,
        who: Annotated[Principal, notes],
    ) -> PatronView:
        s = service_of(request)
        command = cmds.DeleteNote(s.institution, account_id, note_id)
        return await audited(s, command, audit, who, "note-deleted", note_id=note_id)

    @router.post("/patrons/{account_id}/blocks", status_code=201)
    async def add_block(
        request: Request,
        account_id: str,
        body: BlockIn,
        audit: Audit,
        who: Annotated[Principal, blocks],
    ) -> PatronView:
        s = service_of(request)
        now = s.runtime.clock.now()
        starts: date = body.starts_on or paris_date(now)
        block = LocalBlock(
            block_id=_new_id(),
            block_type=body.block_type,
            reason=body.reason,
            starts_on=starts,
            ends_on=body.ends_on,
            created_at=now,
            created_by=who.operator,
        )
        command = cmds.AddLocalBlock(s.institution, account_id, block)
        return await audited(
            s,
            command,
            audit,
            who,
            "block-added",
            block_id=block.block_id,
            block_type=body.block_type,
        )

    @router.delete("/patrons/{account_id}/blocks/{block_id}")
    async def lift_block(
        request: Request,
        account_id: str,
        block_id: str,
        audit: Audit,
        who: Annotated[Principal, blocks],
    ) -> PatronView:
        """Lift a staff block before its end (a block also ends by itself after ``ends_on``)."""
        s = service_of(request)
        command = cmds.LiftLocalBlock(s.institution, account_id, block_id)
        return await audited(s, command, audit, who, "block-lifted", block_id=block_id)

    @router.put("/patrons/{account_id}/statistics/{category}")
    async def set_statistic(
        request: Request,
        account_id: str,
        category: bounds.Code,
        body: StatisticIn,
        audit: Audit,
        who: Annotated[Principal, editor],
    ) -> PatronView:
        """Set the account's value of a local statistical category (e.g. LABO = IMS)."""
        s = service_of(request)
        statistic = Statistic(category=category, value=body.value)
        command = cmds.SetStatistic(s.institution, account_id, statistic)
        return await audited(s, command, audit, who, "statistic-set", category=category)

    @router.delete("/patrons/{account_id}/statistics/{category}")
    async def remove_statistic(
        request: Request,
        account_id: str,
        category: str,
        audit: Audit,
        who: Annotated[Principal, editor],
    ) -> PatronView:
        s = service_of(request)
        command = cmds.RemoveStatistic(s.institution, account_id, category)
        return await audited(s, command, audit, who, "statistic-removed", category=category)

    return router
