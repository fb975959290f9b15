"""The audit trail of privileged actions, kept in each instance's own database (per institution).

Who (the token's subject), when (the service clock), what (an action name), from which desk, on
which records. Written by the route after the action succeeded; read by the institution's managers
through ``GET /audit`` (newest first, paged, filtered by action and date). An erasure anonymises
the records acting on the person (``AuditPurge``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field
from pymongo.asynchronous.database import AsyncDatabase

from rebub_shared import bounds
from rebub_shared.auth.guard import requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.permissions import Permission
from rebub_shared.retention import Period
from rebub_shared.retention_job import RetentionStep, delete_in_batches, purge_step
from rebub_shared.runtime import Runtime
from rebub_shared.tenancy import NETWORK

AUDIT = "audit"
#: The targets that name a person (the others name a loan, an item, a request, a feed).
TARGET_KEYS = ("patron_id", "account_id")
ANONYMISED = "anonymised"


class AuditRecord(BaseModel):
    """One privileged action: who did what, when, from which desk, on which records."""

    audit_id: str
    tenant: str
    at: AwareDatetime
    operator: str
    operator_institution: str
    action: str
    desk: str | None = None
    targets: dict[str, str] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)


class AuditPage(BaseModel):
    records: list[AuditRecord]
    total: int
    offset: int
    limit: int


class AuditLog:
    """The audit collection of one running instance (database and clock from its runtime)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    @property
    def tenant(self) -> str:
        return str(self._runtime.tenant)

    async def ensure_index(self) -> None:
        await self._runtime.db[AUDIT].create_index([("at", -1)])

    async def purge_before(self, before: datetime) -> int:
        """Delete the records older than ``before`` (the retention job); how many went."""
        return await delete_in_batches(self._runtime.db[AUDIT], {"at": {"$lt": before}})

    def retention(self, period: Period) -> tuple[str, RetentionStep]:
        """The retention job's step for this trail: records older than ``period`` go."""
        return purge_step("audit", period, self.purge_before)

    async def record(
        self,
        principal: Principal,
        action: str,
        *,
        desk: str | None = None,
        targets: dict[str, str] | None = None,
        **details: Any,
    ) -> AuditRecord:
        """Write one record (the service clock's time) and return it."""
        entry = AuditRecord(
            audit_id=uuid.uuid4().hex,
            tenant=str(self._runtime.tenant),
            at=self._runtime.clock.now(),
            operator=principal.operator,
            operator_institution=principal.institution,
            action=action,
            desk=desk,
            targets=targets or {},
            details=details,
        )
        document = entry.model_dump(mode="python") | {"_id": entry.audit_id}
        await self._runtime.db[AUDIT].insert_one(document)
        return entry

    async def page(
        self,
        *,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
        operator_institution: str | None = None,
    ) -> AuditPage:
        """Newest first; ``since`` inclusive, ``until`` exclusive."""
        query: dict[str, Any] = {}
        if action is not None:
            query["action"] = action
        if operator_institution is not None:
            query["operator_institution"] = operator_institution
        moments = {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}
        if moments:
            query["at"] = moments
        collection = self._runtime.db[AUDIT]
        total = await collection.count_documents(query)
        cursor = collection.find(query).sort([("at", -1), ("_id", -1)]).skip(offset).limit(limit)
        records = [AuditRecord.model_validate(doc) async for doc in cursor]
        return AuditPage(records=records, total=total, offset=offset, limit=limit)


class AuditPurge:
    """An erasure reaches the audit trail (issue 21): a record acting on the person keeps who
    did what and when (the staff's accountability, kept its 365 days), but names the person no
    more: each target naming them becomes ``anonymised`` and the details (free text: reasons)
    are dropped."""

    what = "audit record(s) anonymised"

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._audit = db[AUDIT]

    async def purge(self, about: Collection[str], request_id: str) -> int:
        """Anonymise the records whose targets or details name one of ``about``; how many."""
        wanted = {a for a in about if a}
        named = [{f"targets.{k}": {"$in": list(wanted)}} for k in TARGET_KEYS]
        changed = 0
        found = await self._audit.find({"$or": named}).to_list(None) if wanted else []
        for doc in found:  # read all first: no cursor open while writing (FerretDB v1)
            targets = {
                k: ANONYMISED if v in wanted else v for k, v in (doc.get("targets") or {}).items()
            }
            done = await self._audit.update_one(
                {"_id": doc["_id"]}, {"$set": {"targets": targets, "details": {}}}
            )
            changed += done.modified_count
        return changed


def audit_of(request: Request) -> AuditLog:
    """The app's audit log (``app.state.audit``, set where the app is created)."""
    log: AuditLog = request.app.state.audit
    return log


Audit = Annotated[AuditLog, Depends(audit_of)]


def audit_router() -> APIRouter:
    """``GET /audit``: the instance's audit trail, for its managers."""
    router = APIRouter(tags=["audit"])

    @router.get("/audit")
    async def read_audit(
        audit: Audit,
        principal: Annotated[Principal, requires(Permission.AUDIT_READ)],
        action: bounds.Code | None = None,
        since: bounds.Instant | None = None,
        until: bounds.Instant | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> AuditPage:
        """Privileged actions of this institution, newest first (filters: action, since, until).

        On the network zone, an institution's managers read their own institution's records."""
        own = principal.institution if audit.tenant == NETWORK else None
        return await audit.page(
            action=action,
            since=since,
            until=until,
            offset=offset,
            limit=limit,
            operator_institution=own,
        )

    return router
