"""The one table of the network's topics: for each, its partitions, how it is kept, its key, the
events it carries and what it is for.

Everything that creates or documents a topic reads it here: a service creating its topics at start
(``specs_for`` its declaration), the deploy topology, the autoscaler's caps and the event catalog.
Who reads and writes each topic is not here: that comes from the services' declarations
(``rebub_shared.service.ServiceTopology``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from rebub_shared.cloudevents import EventPayload
from rebub_shared.contracts.erasures import ErasureApplied
from rebub_shared.contracts.items import ITEM_EVENTS
from rebub_shared.contracts.letters import LetterSent
from rebub_shared.contracts.loans import LOAN_EVENTS, LoanActivitySummary, LoanState
from rebub_shared.contracts.patrons import (
    ExternalReaderPublished,
    NzAccountChanged,
    PatronChanged,
    WaitingAccountMerged,
)
from rebub_shared.contracts.requests import REQUEST_EVENTS
from rebub_shared.service import ServiceTopology
from rebub_shared.tenancy import (
    InstitutionCode,
    UnknownTenantError,
    check_tenant,
    institution_codes,
)
from rebub_shared.topics import DEAD_LETTER_SUFFIX, Topics

DAY_MS = 24 * 60 * 60 * 1000
INSTITUTION_PLACEHOLDER = "{inst}"
#: Dead letters are kept a month: time for an operator to inspect and re-drive them.
DEAD_LETTER_DAYS = 30


class UnknownTopicError(LookupError):
    """A topic name that is neither in the table nor a dead-letter topic of one that is."""

    def __init__(self, name: str) -> None:
        super().__init__(f"topic: {name!r} is not in the topic table (rebub_shared.topic_table)")
        self.name = name


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One topic as it is created and documented.

    ``owner`` is the institution whose own topic it is (``None`` for the network's shared ones):
    the table holds one such row per institution, the catalog shows them once as ``{inst}``.
    ``retention_days`` is ``None`` for a compacted topic (the latest value per key is kept); a
    compacted topic with a retention (dead letters) is ``compact,delete``.
    """

    name: str
    partitions: int
    key: str = "the record's own key"
    events: tuple[type[EventPayload], ...] = ()
    description: str = ""
    compacted: bool = False
    retention_days: int | None = 7
    owner: InstitutionCode | None = None

    @property
    def pattern(self) -> str:
        """The name with the owning institution as ``{inst}`` (the name itself when shared)."""
        if self.owner is None:
            return self.name
        return self.name.replace(f"{self.owner}.", f"{INSTITUTION_PLACEHOLDER}.", 1)

    def config(self) -> dict[str, str | int]:
        """The topic configuration (replication and durability come from the cluster defaults)."""
        policy = "delete"
        if self.compacted:  # kept by key; with a retention too (dead letters): both
            policy = "compact" if self.retention_days is None else "compact,delete"
        config: dict[str, str | int] = {"cleanup.policy": policy}
        if self.retention_days is not None:
            config["retention.ms"] = self.retention_days * DAY_MS
        if self.compacted:
            # Keep tombstones a day so late consumers still see a deletion.
            config["delete.retention.ms"] = DAY_MS
            # An erased person's earlier records leave the log within a day of the tombstone
            # (without it, compaction waits for a segment to roll: 7 days by default).
            config["max.compaction.lag.ms"] = DAY_MS
        return config


def _shared(t: Topics) -> tuple[TopicSpec, ...]:
    return (
        TopicSpec(
            t.nz_patron,
            6,
            "primary id",
            (NzAccountChanged,),
            "Network zone accounts from the DSI feeds; a tombstone purges an account.",
            compacted=True,
            retention_days=None,
        ),
        TopicSpec(
            t.external_reader,
            3,
            "primary id",
            (ExternalReaderPublished,),
            "External readers, copied into every institution zone.",
            compacted=True,
            retention_days=None,
        ),
        TopicSpec(
            t.loan_activity,
            6,
            "network zone primary id",
            (LoanActivitySummary,),
            "Minimal loan summaries for the network activity tab; no names or contact data.",
            retention_days=30,
        ),
        TopicSpec(
            t.erasure,
            1,
            "erasure request id",
            (ErasureApplied,),
            "Each service's confirmation that it applied an erasure (no personal data): the "
            "network zone answers the request's status from them.",
            retention_days=30,
        ),
    )


def _own(t: Topics, inst: InstitutionCode) -> tuple[TopicSpec, ...]:
    return (
        TopicSpec(
            t.patron(inst),
            3,
            "primary id",
            (PatronChanged, WaitingAccountMerged),
            "One institution zone's patrons: linked, created, changed, merged. Compacted: the "
            "newest record per patron is its state (a waiting account's, its merge), so a "
            "service rebuilt later starts from it; a tombstone (null value) erases a patron.",
            compacted=True,
            retention_days=None,
            owner=inst,
        ),
        TopicSpec(
            t.loan(inst),
            6,
            "patron id",
            LOAN_EVENTS,
            "Every loan change, mapped onto Alma's loan webhooks.",
            owner=inst,
        ),
        TopicSpec(
            t.loan_state(inst),
            6,
            "loan id",
            (LoanState,),
            "The open loans as they stand (compacted: the newest per loan); a closed loan's key "
            "gets a tombstone. Start here, then follow the loan events.",
            compacted=True,
            retention_days=None,
            owner=inst,
        ),
        TopicSpec(
            t.request(inst),
            3,
            "requester's patron id (the item barcode for internal processing)",
            REQUEST_EVENTS,
            "Hold, digitisation and internal processing requests: created, recalled, placed on "
            "the hold shelf (the hold-available letter), cancelled, closed.",
            owner=inst,
        ),
        TopicSpec(
            t.item(inst),
            3,
            "item barcode",
            ITEM_EVENTS,
            "Staff changes of an item's status (available, missing, in process) with the reason; "
            "the statuses that follow loans and requests are in their own events.",
            owner=inst,
        ),
        TopicSpec(
            t.letter(inst),
            3,
            "patron id",
            (LetterSent,),
            "Letters sent, by email or in the day's printed batch.",
            owner=inst,
        ),
    )


def topic_table(topics: Topics | None = None) -> tuple[TopicSpec, ...]:
    """Every topic but the dead letters: the shared ones, then each institution's own."""
    t = topics or Topics()
    return (*_shared(t), *(s for inst in institution_codes() for s in _own(t, inst)))


def dead_letter_spec(spec: TopicSpec, tenant_topic: str) -> TopicSpec:
    """The dead-letter topic ``tenant_topic`` of ``spec``'s consumers: one partition (order does
    not matter there, and an operator reads it whole), kept a month; compacted too, each dead
    letter keyed by its own id, so that an erasure's tombstone removes the person's dead letters
    within a day (``rebub_shared.dead_letter_purge``)."""
    return TopicSpec(
        tenant_topic,
        1,
        "the dead letter's own id (consumer, topic, partition, offset); the original key in "
        "the `dlq_key` header",
        spec.events,
        f"Records of `{spec.name}` a consumer could not process, with the reason in headers; "
        "an erasure tombstones the person's.",
        compacted=True,
        retention_days=DEAD_LETTER_DAYS,
    )


def topic_spec(name: str, topics: Topics | None = None) -> TopicSpec:
    """The table's spec of ``name``, a dead-letter topic's included; ``UnknownTopicError`` else."""
    t = topics or Topics()
    table = {s.name: s for s in topic_table(t)}
    if name in table:
        return table[name]
    tenant, _, rest = name.removeprefix(t.prefix).partition(f"{DEAD_LETTER_SUFFIX}.")
    consumed = table.get(t.prefix + rest)
    with contextlib.suppress(UnknownTenantError):  # not a tenant's: not a dead-letter topic
        if consumed is not None and t.dead_letter(consumed.name, check_tenant(tenant)) == name:
            return dead_letter_spec(consumed, name)
    raise UnknownTopicError(name)


def dead_letter_topics(topology: ServiceTopology, topics: Topics | None = None) -> tuple[str, ...]:
    """The dead-letter topics of a service instance: one per topic it reads, its tenant's own."""
    t = topics or Topics()
    return tuple(t.dead_letter(name, topology.tenant) for name in topology.topics_read)


def specs_for(topology: ServiceTopology, topics: Topics | None = None) -> tuple[TopicSpec, ...]:
    """The topics a service instance uses, as the table says to create them: what it reads,
    what it publishes and its dead letters (each once)."""
    t = topics or Topics()
    names = (*topology.topics_read, *topology.topics_written, *dead_letter_topics(topology, t))
    return tuple(topic_spec(name, t) for name in dict.fromkeys(names))
