"""The catalog of the network's topics: who publishes what, with which key, for whom.

One place that names every topic's events, so the AsyncAPI document and the event catalog for
subscribers are generated from the code and never drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rebub_shared.cloudevents import EventPayload
from rebub_shared.contracts.letters import LetterSent
from rebub_shared.contracts.loans import LOAN_EVENTS, LoanActivitySummary
from rebub_shared.contracts.patrons import (
    ExternalReaderPublished,
    NzAccountChanged,
    PatronChanged,
    WaitingAccountMerged,
)
from rebub_shared.contracts.requests import REQUEST_EVENTS
from rebub_shared.tenancy import InstitutionCode
from rebub_shared.topics import Topics


@dataclass(frozen=True)
class TopicContract:
    """A topic's published contract (``{inst}`` stands for each institution's own topic)."""

    name: str
    key: str
    publisher: str
    subscribers: tuple[str, ...]
    events: tuple[type[EventPayload], ...]
    compacted: bool = False
    description: str = ""

    def for_institution(self, inst: InstitutionCode) -> str:
        return self.name.replace("{inst}", inst)


_T = Topics()
TOPICS: tuple[TopicContract, ...] = (
    TopicContract(
        _T.nz_patron,
        "primary id",
        "patron-sync [network]",
        ("patron-sync [each institution]",),
        (NzAccountChanged,),
        compacted=True,
        description="Network zone accounts from the DSI feeds; a tombstone purges an account.",
    ),
    TopicContract(
        _T.external_reader,
        "primary id",
        "patron-sync [each institution]",
        ("patron-sync [the four other institutions]",),
        (ExternalReaderPublished,),
        compacted=True,
        description="External readers, copied into all five institution zones.",
    ),
    TopicContract(
        "{inst}.patron.v1",
        "primary id",
        "patron-sync [inst]",
        ("circulation [inst]", "notifier [inst]"),
        (PatronChanged, WaitingAccountMerged),
        description="One institution zone's patrons: linked, created, changed, merged.",
    ),
    TopicContract(
        "{inst}.circulation.loan.v1",
        "patron id",
        "circulation [inst]",
        ("notifier [inst]", "other services"),
        LOAN_EVENTS,
        description="Every loan change, mapped onto Alma's loan webhooks.",
    ),
    TopicContract(
        "{inst}.circulation.request.v1",
        "requester's patron id (the item barcode for internal processing)",
        "circulation [inst]",
        ("notifier [inst]", "other services"),
        REQUEST_EVENTS,
        description="Hold, digitisation and internal processing requests: created, recalled, "
        "placed on the hold shelf (the hold-available letter), cancelled, closed.",
    ),
    TopicContract(
        _T.loan_activity,
        "network zone primary id",
        "circulation [each institution]",
        ("circulation [the other institutions]",),
        (LoanActivitySummary,),
        description="Minimal loan summaries for the network activity tab; no names or contact data.",
    ),
    TopicContract(
        "{inst}.notifier.letter.v1",
        "patron id",
        "notifier [inst]",
        ("other services",),
        (LetterSent,),
        description="Letters sent, by email or in the day's printed batch.",
    ),
)
