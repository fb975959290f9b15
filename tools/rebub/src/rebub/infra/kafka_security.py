"""The local broker with SASL/SCRAM and ACLs: the same users and rules as the platform's manifests.

One SCRAM-SHA-512 user per tenant (named by ``rebub.deploy.acl.kafka_username``), the read-only
network observer (``rebub.deploy.acl.OBSERVER``) plus ``admin``,
a super user for tooling (readiness, topics, ACLs). Passwords are generated once and kept in the
state folder (``.rebub/kafka/credentials.json``, mode 600, never committed). At every start the
tenants' users, the ACLs of ``acl_tuples()`` and the topics of ``topic_specs()`` are applied
idempotently: missing ones are created, ACLs the definition no longer names are removed.

The controller listener stays PLAINTEXT on loopback, hence ``User:ANONYMOUS`` among the super users
(the controller authorizes its own requests through the same authorizer).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import NewTopic

from rebub.deploy.acl import OBSERVER, AclTuple, acl_tuples, kafka_username
from rebub.deploy.topology import topic_specs
from rebub.infra.kafka_admin import Acl, KafkaAdmin
from rebub_shared.private_files import write_private
from rebub_shared.tenancy import tenant_codes

ADMIN = "admin"
MECHANISM = "SCRAM-SHA-512"
SETTLE_S = 10.0

SECURE_PROPERTIES = """\
listeners=SASL_PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{port}
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=\
org.apache.kafka.common.security.scram.ScramLoginModule required \
username="{admin}" password="{admin_password}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:{admin};User:ANONYMOUS
"""


@dataclass(frozen=True)
class Credentials:
    """The local broker's SCRAM passwords, by user name (``admin``, one per tenant, the
    observer)."""

    passwords: dict[str, str]

    @classmethod
    def load_or_create(cls, path: Path) -> Credentials:
        """Read the passwords kept in ``path``; generate the missing ones once and keep them."""
        passwords: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        wanted = [ADMIN, *(kafka_username(t) for t in tenant_codes()), OBSERVER]
        missing = [user for user in wanted if user not in passwords]
        if missing:
            passwords |= {user: secrets.token_urlsafe(24) for user in missing}
            write_private(path, json.dumps(passwords, indent=2))  # 0600 from its creation
        return cls(passwords)

    def password(self, user: str) -> str:
        try:
            return self.passwords[user]
        except KeyError:
            raise KeyError(f"kafka: no SCRAM user {user!r} on the local broker") from None

    def client_options(self, user: str = ADMIN) -> dict[str, str]:
        """aiokafka client options for ``user``."""
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": MECHANISM,
            "sasl_plain_username": user,
            "sasl_plain_password": self.password(user),
        }


def format_arguments(credentials: Credentials) -> list[str]:
    """``StorageTool format`` arguments creating the admin user (needed before the broker runs)."""
    return ["--add-scram", f"{MECHANISM}=[name={ADMIN},password={credentials.password(ADMIN)}]"]


def _acl(rule: AclTuple) -> Acl:
    principal, resource_type, pattern_type, name, operation, _ = rule
    return Acl.allow(principal, resource_type, pattern_type, name, operation)


async def sync_acls(admin: KafkaAdmin, rules: Iterable[AclTuple]) -> tuple[int, int]:
    """Make the broker's ACLs equal ``rules``; return (created, deleted)."""
    existing = await admin.describe_acls()
    wanted = set(map(_acl, rules))
    create, delete = wanted - existing, existing - wanted
    await admin.create_acls(create)
    await admin.delete_acls(delete)
    # The broker's authorizer applies the controller's records a moment later: wait for them, so
    # that whoever connects next meets the rules just written.
    deadline = time.monotonic() + SETTLE_S
    while (create or delete) and await admin.describe_acls() != wanted:
        if time.monotonic() > deadline:
            raise RuntimeError(f"kafka: the ACLs did not settle within {SETTLE_S:.0f} s")
        await asyncio.sleep(0.05)
    return len(create), len(delete)


async def apply(admin: KafkaAdmin, credentials: Credentials) -> None:
    """Tenants' SCRAM users, the ACLs of the one definition and every topic, idempotently."""
    names = [*(kafka_username(t) for t in tenant_codes()), OBSERVER]
    users = {name: credentials.password(name) for name in names}
    await admin.upsert_scram_users(users, MECHANISM)
    await sync_acls(admin, acl_tuples())
    # Tenants may not create topics (no Create ACL), so the operator creates them, as Strimzi does.
    existing = set(await admin.list_topics())
    missing = [
        NewTopic(s.name, s.partitions, 1, topic_configs={k: str(v) for k, v in s.config().items()})
        for s in topic_specs()
        if s.name not in existing
    ]
    if missing:
        await admin.create_topics(missing)
