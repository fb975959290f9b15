"""The topic table: one row per topic (each institution's own once per institution), the dead
letters derived from it, and a service's topics as it creates them."""

from __future__ import annotations

import pytest

from rebub_shared.contracts.loans import LoanActivitySummary
from rebub_shared.contracts.patrons import PatronChanged
from rebub_shared.service import Consumption, Publication, ServiceTopology
from rebub_shared.tenancy import institution_codes
from rebub_shared.topic_table import UnknownTopicError, specs_for, topic_spec, topic_table
from rebub_shared.topics import Topics

T = Topics("t7.")


def test_each_institution_has_its_own_rows_and_the_shared_topics_appear_once() -> None:
    names = [s.name for s in topic_table(T)]
    assert len(names) == len(set(names))
    assert names[:3] == ["t7.nz.patron.v1", "t7.net.external-reader.v1", "t7.net.loan-activity.v1"]
    for inst in institution_codes():
        assert {T.patron(inst), T.loan(inst), T.request(inst), T.letter(inst)} <= set(names)
    assert topic_spec("t7.scpo.patron.v1", T).pattern == "t7.{inst}.patron.v1"
    assert topic_spec("t7.nz.patron.v1", T).pattern == "t7.nz.patron.v1"


def test_compacted_topics_keep_tombstones_a_day_and_others_expire() -> None:
    assert topic_spec("nz.patron.v1").config() == {
        "cleanup.policy": "compact",
        "delete.retention.ms": 86_400_000,
        "max.compaction.lag.ms": 86_400_000,  # an erasure leaves the log within a day
    }
    assert topic_spec("ub.patron.v1").config() == topic_spec("nz.patron.v1").config()
    assert topic_spec("ub.patron.v1").key == "primary id"
    assert topic_spec("net.loan-activity.v1").config() == {
        "cleanup.policy": "delete",
        "retention.ms": 30 * 86_400_000,
    }
    assert topic_spec("ub.circulation.loan.v1").partitions == 6


def test_a_dead_letter_topic_has_one_partition_a_month_and_its_topics_events() -> None:
    spec = topic_spec("t7.ubm.dlq.net.loan-activity.v1", T)
    assert (spec.partitions, spec.retention_days, spec.compacted) == (1, 30, True)
    assert spec.events == (LoanActivitySummary,)
    # A month, and an erasure's tombstones remove the person's dead letters within a day.
    assert spec.config() == {
        "cleanup.policy": "compact,delete",
        "retention.ms": 30 * 86_400_000,
        "delete.retention.ms": 86_400_000,
        "max.compaction.lag.ms": 86_400_000,
    }


@pytest.mark.parametrize(
    "name",
    [
        "t7.ub.circulation.loans.v1",  # misspelt
        "ub.patron.v1",  # without the prefix
        "t7.bx3.dlq.nz.patron.v1",  # dead letters of no tenant
        "t7.ub.dlq.nz.patron.v2",  # dead letters of no topic
    ],
)
def test_a_topic_outside_the_table_is_refused_by_name(name: str) -> None:
    with pytest.raises(UnknownTopicError, match=rf"topic: '{name}' is not in the topic table"):
        topic_spec(name, T)


def test_a_service_creates_what_it_reads_writes_and_its_dead_letters_once_each() -> None:
    topology = ServiceTopology(
        "circulation",
        "inp",
        consumes=(
            Consumption(
                "patrons", T.group("inp", "circulation", "patrons"), (T.patron("inp"),), ()
            ),
            Consumption("activity", T.group("inp", "circulation", "a"), (T.loan_activity,), ()),
        ),
        publishes=(
            Publication(T.loan_activity, (LoanActivitySummary,)),
            Publication(T.loan("inp"), ()),
        ),
    )
    specs = {s.name: s for s in specs_for(topology, T)}
    assert list(specs) == [
        "t7.inp.patron.v1",
        "t7.net.loan-activity.v1",
        "t7.inp.circulation.loan.v1",
        "t7.inp.dlq.inp.patron.v1",
        "t7.inp.dlq.net.loan-activity.v1",
    ]
    assert specs["t7.inp.patron.v1"].events[0] is PatronChanged
    assert specs["t7.net.loan-activity.v1"].partitions == 6
