"""The local broker with SASL/SCRAM and ACLs: the same users and rules as the platform's manifests.

One SCRAM-SHA-512 user per tenant (named by ``rebub.deploy.acl.kafka_username``) plus ``admin``,
a super user for tooling (readiness, topics, ACLs). Passwords are generated once and kept in the
state folder (``.rebub/kafka/credentials.json``, mode 600, never committed). At every start the
tenants' users, the ACLs of ``acl_tuples()`` and the topics of ``topic_specs()`` are applied
idempotently: missing ones are created, ACLs the definition no longer names are removed.

The controller listener stays PLAINTEXT on loopback, hence ``User:ANONYMOUS`` among the super users
(the controller authorizes its own requests through the same authorizer).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rebub.deploy.acl import AclTuple, acl_tuples, kafka_username
from rebub.deploy.topology import topic_specs
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
    """The local broker's SCRAM passwords, by user name (``admin`` and one per tenant)."""

    passwords: dict[str, str]

    @classmethod
    def load_or_create(cls, path: Path) -> Credentials:
        """Read the passwords kept in ``path``; generate the missing ones once and keep them."""
        passwords: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        wanted = [ADMIN, *(kafka_username(t) for t in tenant_codes())]
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
        """kafka-python client options for ``user`` (aiokafka takes the same names)."""
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": MECHANISM,
            "sasl_plain_username": user,
            "sasl_plain_password": self.password(user),
        }


def format_arguments(credentials: Credentials) -> list[str]:
    """``StorageTool format`` arguments creating the admin user (needed before the broker runs)."""
    return ["--add-scram", f"{MECHANISM}=[name={ADMIN},password={credentials.password(ADMIN)}]"]


def _kafka_acl(rule: AclTuple) -> Any:
    from kafka.admin import ACL, ACLOperation, ACLPermissionType, ResourcePattern, ResourceType
    from kafka.admin import ACLResourcePatternType as Pattern

    principal, resource_type, pattern_type, name, operation, _ = rule
    return ACL(
        principal=principal,
        host="*",
        operation=ACLOperation[operation.upper()],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(
            ResourceType[resource_type.upper()],
            name,
            Pattern.PREFIXED if pattern_type == "prefix" else Pattern.LITERAL,
        ),
    )


def _key(acl: Any) -> tuple[object, ...]:
    p = acl.resource_pattern
    return (
        acl.principal,
        acl.host,
        acl.operation,
        acl.permission_type,
        p.resource_type,
        p.resource_name,
        p.pattern_type,
    )


def sync_acls(admin: Any, rules: Iterable[AclTuple]) -> tuple[int, int]:
    """Make the broker's ACLs equal ``rules``; return (created, deleted)."""
    from kafka.admin import (
        ACLFilter,
        ACLOperation,
        ACLPermissionType,
        ResourcePatternFilter,
        ResourceType,
    )
    from kafka.admin import ACLResourcePatternType as Pattern

    everything = ACLFilter(
        principal=None,
        host=None,
        operation=ACLOperation.ANY,
        permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, Pattern.ANY),
    )

    def existing_acls() -> dict[tuple[object, ...], Any]:
        return {_key(a): a for a in admin.describe_acls(everything)[0]}

    existing = existing_acls()
    wanted = {_key(a): a for a in map(_kafka_acl, rules)}
    create = [a for k, a in wanted.items() if k not in existing]
    delete = [a for k, a in existing.items() if k not in wanted]
    if create:
        failed = admin.create_acls(create)["failed"]
        if failed:
            raise RuntimeError(f"kafka: creating ACLs failed: {failed}")
    if delete:
        admin.delete_acls(delete)  # an ACL is its own exact filter
    # The broker's authorizer applies the controller's records a moment later: wait for them, so
    # that whoever connects next meets the rules just written.
    deadline = time.monotonic() + SETTLE_S
    while (create or delete) and set(existing_acls()) != set(wanted):
        if time.monotonic() > deadline:
            raise RuntimeError(f"kafka: the ACLs did not settle within {SETTLE_S:.0f} s")
        time.sleep(0.05)
    return len(create), len(delete)


def apply(admin: Any, credentials: Credentials) -> None:
    """Tenants' SCRAM users, the ACLs of the one definition and every topic, idempotently."""
    from kafka.admin import NewTopic, UserScramCredentialUpsertion
    from kafka.errors import TopicAlreadyExistsError

    users = [kafka_username(t) for t in tenant_codes()]
    errors = admin.alter_user_scram_credentials(
        [UserScramCredentialUpsertion(u, MECHANISM, credentials.password(u)) for u in users]
    )
    if any(errors.values()):
        raise RuntimeError(f"kafka: SCRAM users not created: {errors}")
    sync_acls(admin, acl_tuples())
    # Tenants may not create topics (no Create ACL), so the operator creates them, as Strimzi does.
    existing = set(admin.list_topics())
    missing = [
        NewTopic(s.name, s.partitions, 1, topic_configs={k: str(v) for k, v in s.config().items()})
        for s in topic_specs()
        if s.name not in existing
    ]
    if missing:
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics(missing)
