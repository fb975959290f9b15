"""Every service instance runs its retention job (issue 21 item 3), built from its own
declaration: an instance that keeps an audit trail purges it, and each service purges its own
kinds of records (the steps' rules are tested with their services)."""

from __future__ import annotations

from rebub.deploy.services import builders
from rebub_shared.retention_job import RetentionJob
from rebub_shared.tenancy import NETWORK
from rebub_shared.topics import Topics

EXPECTED = {
    (NETWORK, "patron-sync"): ("audit", "import_history"),
    ("ub", "patron-sync"): ("audit",),
    ("ub", "circulation"): ("audit", "webhook_deliveries"),
    ("ub", "notifier"): ("notifier",),
}


def test_each_instance_declares_its_retention_steps_and_every_audit_trail_is_purged() -> None:
    found = {}
    for tenant in (NETWORK, "ub"):
        for build in builders(tenant):
            spec = build(tenant, Topics("t-"))
            [job] = [loop for loop in spec.background if isinstance(loop, RetentionJob)]
            names = tuple(name for name, _ in job.steps)
            assert ("audit" in names) == (spec.audit is not None), spec.service
            assert job.lease is not None  # one replica runs it
            found[(tenant, spec.service)] = names
    assert found == EXPECTED
