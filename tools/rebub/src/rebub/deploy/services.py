"""What each service of each tenant reads and writes on the broker: the one input of every
generated artefact about topics (topic creation, deploy topology, autoscaling triggers, ACLs and
the event catalog).

For now a table written by hand, stating exactly the consumer groups and topics of today's code
(each service's ``entrypoints/kafka.py`` and publishing adapters); it gives way to each service's
own declaration once every ``bootstrap`` returns one.
"""

from __future__ import annotations

from rebub_shared.contracts.letters import LetterSent
from rebub_shared.contracts.loans import LOAN_EVENTS, LoanActivitySummary
from rebub_shared.contracts.patrons import (
    ExternalReaderPublished,
    NzAccountChanged,
    PatronChanged,
    WaitingAccountMerged,
)
from rebub_shared.contracts.requests import REQUEST_EVENTS
from rebub_shared.service import Consumption, Publication, ServiceTopology
from rebub_shared.tenancy import INSTITUTION_CODES, NETWORK, InstitutionCode
from rebub_shared.topics import Topics

PATRON_SYNC, CIRCULATION, NOTIFIER = "patron-sync", "circulation", "notifier"
PATRON_EVENTS = (PatronChanged, WaitingAccountMerged)


def service_topologies(topics: Topics) -> list[ServiceTopology]:
    """Every service instance of the network: the network zone's, then each institution's."""
    network = ServiceTopology(
        PATRON_SYNC,
        NETWORK,
        publishes=(Publication(topics.nz_patron, (NzAccountChanged,), "DSI imports"),),
    )
    return [network, *(s for inst in INSTITUTION_CODES for s in _institution(topics, inst))]


def _institution(t: Topics, inst: InstitutionCode) -> tuple[ServiceTopology, ...]:
    patron_sync = ServiceTopology(
        PATRON_SYNC,
        inst,
        consumes=(
            Consumption(
                "nz-patron",
                t.group(inst, PATRON_SYNC, "nz-patron"),
                (t.nz_patron,),
                (NzAccountChanged,),
                "the institution's projection of the network zone accounts",
            ),
            Consumption(
                "external-reader",
                t.group(inst, PATRON_SYNC, "external-reader"),
                (t.external_reader,),
                (ExternalReaderPublished,),
                "every institution's external readers, copied into this zone",
            ),
        ),
        publishes=(
            Publication(t.patron(inst), PATRON_EVENTS, "the zone's patron changes"),
            Publication(
                t.external_reader, (ExternalReaderPublished,), "external readers created here"
            ),
        ),
    )
    circulation = ServiceTopology(
        CIRCULATION,
        inst,
        consumes=(
            Consumption(
                "patrons",
                t.group(inst, CIRCULATION, "patrons"),
                (t.patron(inst),),
                PATRON_EVENTS,
                "the institution's patrons, projected for the desk",
            ),
            Consumption(
                "network-activity",
                t.group(inst, CIRCULATION, "network-activity"),
                (t.loan_activity,),
                (LoanActivitySummary,),
                "the other institutions' loan summaries (the network activity tab)",
            ),
        ),
        publishes=(
            Publication(t.loan(inst), LOAN_EVENTS, "every loan change"),
            Publication(t.request(inst), REQUEST_EVENTS, "every request change"),
            Publication(t.loan_activity, (LoanActivitySummary,), "each loan's summary"),
        ),
    )
    notifier = ServiceTopology(
        NOTIFIER,
        inst,
        consumes=(
            Consumption(
                "main",
                t.group(inst, NOTIFIER),
                (t.loan(inst), t.patron(inst), t.request(inst)),
                (*LOAN_EVENTS, *PATRON_EVENTS, *REQUEST_EVENTS),
                "loans, patrons' contacts and hold shelf events, for the letters",
            ),
        ),
        publishes=(Publication(t.letter(inst), (LetterSent,), "letters sent"),),
    )
    return patron_sync, circulation, notifier
