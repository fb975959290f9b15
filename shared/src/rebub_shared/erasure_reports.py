"""A service's confirmation that it applied an erasure: an ``ErasureApplied`` on
``net.erasure.v1``, keyed by the request id (the value of the tombstone's erasure header).

Sent after the erasure is applied and before the tombstone's offset is committed: a crash in
between applies the tombstone again (nothing left to change) and confirms again (the network
keeps one confirmation per institution and service). Before it confirms, the service tombstones
its tenant's dead letters about the person (``rebub_shared.dead_letter_purge``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from faststream.kafka import KafkaBroker

from rebub_shared.clock import Clock
from rebub_shared.cloudevents import new_event
from rebub_shared.contracts.erasures import ErasureApplied
from rebub_shared.contracts.patrons import ERASURE_HEADER
from rebub_shared.service import Publication
from rebub_shared.tenancy import InstitutionCode
from rebub_shared.topics import Topics


def erasure_request(headers: Mapping[str, str | bytes]) -> str | None:
    """The erasure request a tombstone carries out (None: a plain tombstone, not an erasure)."""
    value = headers.get(ERASURE_HEADER)
    return value.decode() if isinstance(value, bytes) else value


def erasure_publication(topics: Topics) -> Publication:
    """The declaration of a service that confirms erasures."""
    return Publication(topics.erasure, (ErasureApplied,), "Erasures applied here (confirmations).")


class ErasureReporter(Protocol):
    """Where a consumer confirms the erasures it applied."""

    async def applied(
        self, request_id: str, done: str, accounts: int = 1, about: Collection[str] = ()
    ) -> None:
        """Confirm ``request_id``, what names one of ``about`` purged first (``Purge``)."""


class Purge(Protocol):
    """A place of the service's tenant that an erasure searches for the person before it is
    confirmed (dead letters, parked events): ``what`` says in words what was done per record."""

    what: str

    async def purge(self, about: Collection[str], request_id: str) -> int:
        """Remove (or tombstone) what names one of ``about``; how many."""
        ...


class ErasureReports:
    """Confirmations of one service of one institution, each after its ``purges``."""

    def __init__(
        self,
        broker: KafkaBroker,
        topics: Topics,
        institution: InstitutionCode,
        service: str,
        clock: Clock,
        purges: Sequence[Purge] = (),
    ) -> None:
        self._broker, self._topic, self._clock = broker, topics.erasure, clock
        self._institution, self._service = institution, service
        self._purges = tuple(purges)

    async def applied(
        self, request_id: str, done: str, accounts: int = 1, about: Collection[str] = ()
    ) -> None:
        """Say that ``request_id`` was applied here: ``done`` in words; the tenant's dead
        letters and parked events naming one of ``about`` (the person's ids) purged first."""
        for purge in self._purges if about else ():
            if purged := await purge.purge(about, request_id):
                done += f"; {purged} {purge.what}"
        data = ErasureApplied(
            request_id=request_id,
            institution=self._institution,
            service=self._service,
            applied_at=self._clock.now(),
            accounts=accounts,
            done=done,
        )
        event = new_event(
            data,
            source=f"/rebub/{self._institution}/{self._service}",
            tenant=self._institution,
            subject=request_id,
            clock=self._clock,
        )
        await self._broker.publish(
            data.model_dump(mode="json"),
            self._topic,
            key=request_id.encode(),
            headers=event.envelope.headers(),
        )
