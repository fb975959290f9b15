"""The one definition of users and ACLs: generated manifests match it, and nobody reaches another
institution's topics, groups or databases."""

from __future__ import annotations

import pytest

from rebub.deploy.acl import OBSERVER, acl_tuples, databases, institution_of
from rebub.deploy.manifests import generated_files
from rebub.deploy.render import of_kind
from rebub.deploy.services import service_topologies
from rebub.deploy.topology import topic_specs
from rebub.infra.paths import project_root
from rebub_shared.tenancy import institution_codes, tenant_codes
from rebub_shared.topic_table import dead_letter_topics
from rebub_shared.topics import Topics


def test_committed_manifests_equal_the_generated_ones():
    stale = [
        str(path)
        for path, text in generated_files(project_root() / "deploy" / "k8s").items()
        if not path.exists() or path.read_text() != text
    ]
    assert stale == [], "run: uv run python -m rebub.deploy.manifests --k8s deploy/k8s"


def test_no_kafka_user_names_another_institutions_topics_or_groups(rendered):
    users = of_kind(rendered["platform"], "KafkaUser")
    assert {u["metadata"]["name"] for u in users} == {"network", *institution_codes(), OBSERVER}
    for user in users:
        owner = user["metadata"]["name"]
        for acl in user["spec"]["authorization"]["acls"]:
            named = institution_of(acl["resource"]["name"])
            assert named in (None, owner), (owner, acl)


def test_kafka_users_use_scram_and_name_every_rule_of_the_definition(rendered):
    users = {u["metadata"]["name"]: u for u in of_kind(rendered["platform"], "KafkaUser")}
    expected = {(p, r, pt, n, op) for p, r, pt, n, op, _ in acl_tuples()}
    found = {
        (
            f"User:{name}",
            a["resource"]["type"],
            a["resource"]["patternType"],
            a["resource"]["name"],
            op,
        )
        for name, user in users.items()
        for a in user["spec"]["authorization"]["acls"]
        for op in a["operations"]
    }
    assert found == expected
    assert {u["spec"]["authentication"]["type"] for u in users.values()} == {"scram-sha-512"}


@pytest.mark.parametrize("tenant", tenant_codes())
def test_a_tenant_reads_what_it_consumes_writes_what_it_publishes_and_nothing_else(tenant):
    rules = {(r, pt, n, op) for p, r, pt, n, op, _ in acl_tuples() if p == f"User:{tenant}"}
    mine = [s for s in service_topologies(Topics()) if s.tenant == tenant]
    erases = any(Topics().erasure in s.topics_written for s in mine)  # reads its dead letters
    reads = {n for s in mine for n in (*s.topics_read, *(dead_letter_topics(s) if erases else ()))}
    writes = {n for s in mine for n in (*s.topics_written, *dead_letter_topics(s))}
    groups = {g for s in mine for g in s.groups}
    assert rules == (
        {("topic", "literal", n, "Read") for n in reads}
        | {("topic", "literal", n, "Write") for n in writes}
        | {("group", "literal", g, "Read") for g in groups}
    )


def test_ub_reaches_none_of_ubms_topics_nor_writes_what_only_others_write():
    ub = {(n, op) for p, _, _, n, op, _ in acl_tuples() if p == "User:ub"}
    t = Topics()
    assert not [n for n, _ in ub if n.startswith("ubm.")]
    assert (t.nz_patron, "Read") in ub
    assert (t.nz_patron, "Write") not in ub  # only the network zone publishes NZ accounts
    assert (t.loan_activity, "Read") in ub  # circulation's network activity
    assert (t.external_reader, "Write") in ub
    assert (t.letter("ub"), "Read") not in ub  # no ub service reads its letters
    # Its own dead letters are read back: an erasure tombstones the person's (none of ubm's).
    assert ("ub.dlq.nz.patron.v1", "Read") in ub


def test_only_the_network_zone_writes_the_network_zone_topics():
    writers = {p for p, _, _, n, op, _ in acl_tuples() if n.startswith("nz.") and op == "Write"}
    assert writers == {"User:network"}


def test_every_topic_is_declared_with_compaction_where_it_keeps_state(rendered):
    topics = {t["spec"]["topicName"]: t for t in of_kind(rendered["platform"], "KafkaTopic")}
    assert set(topics) == {s.name for s in topic_specs()}
    compacted = {n for n, t in topics.items() if t["spec"]["config"]["cleanup.policy"] == "compact"}
    patrons = {f"{inst}.patron.v1" for inst in institution_codes()}  # keyed by patron
    loans = {f"{inst}.circulation.loan-state.v1" for inst in institution_codes()}  # by loan
    assert compacted == {"nz.patron.v1", "net.external-reader.v1"} | patrons | loans
    assert "ub.dlq.nz.patron.v1" in topics
    # Dead letters: a month, and compacted (an erasure tombstones the person's).
    assert topics["ub.dlq.nz.patron.v1"]["spec"]["config"]["cleanup.policy"] == "compact,delete"


def test_each_mongodb_user_reaches_only_its_tenants_databases(rendered):
    (mongo,) = of_kind(rendered["platform"], "MongoDBCommunity")
    for user in mongo["spec"]["users"]:
        dbs = {role["db"] for role in user["roles"]}
        assert dbs == set(databases(user["name"]))
        assert all(db.startswith(f"{user['name']}_") for db in dbs)
    assert databases("network") == ("network_patron_sync", "network_desk")  # its desk: sessions


def test_the_network_observer_describes_every_topic_and_group_and_reads_no_record(rendered):
    """The network team's desk sees every institution's flows (end offsets, lag), never a
    record: Describe only, on Kafka's wildcard, and nothing else."""
    users = {u["metadata"]["name"]: u for u in of_kind(rendered["platform"], "KafkaUser")}
    rules = users[OBSERVER]["spec"]["authorization"]["acls"]
    assert sorted(
        (a["resource"]["type"], a["resource"]["name"], a["operations"]) for a in rules
    ) == [
        ("group", "*", ["Describe"]),
        ("topic", "*", ["Describe"]),
    ]
    assert {a["resource"]["patternType"] for a in rules} == {"literal"}
    assert not [t for t in acl_tuples() if t[0] == f"User:{OBSERVER}" and t[4] != "Describe"]
