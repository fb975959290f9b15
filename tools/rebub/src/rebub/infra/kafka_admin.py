"""The operator's admin calls on a broker (readiness, topics, ACLs, SCRAM users), with aiokafka.

aiokafka is the services' client; its admin client has topics but no ACL or SCRAM calls, while
its protocol module has the ACL requests. The one missing request, AlterUserScramCredentials
(KIP-554), is declared here in the same way, and the salted password is computed as the Java
client does (RFC 5802: PBKDF2-HMAC over the password and a random salt). One client for the
services and the tooling, where a second one (kafka-python) served the tooling before.

Callers are synchronous (the local servers' start and readiness): ``call`` runs one admin
session on its own event loop in a worker thread, so it works inside a running loop as well.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code
from aiokafka.protocol.admin import (
    CreateAclsRequest,
    DeleteAclsRequest,
    DescribeAclsRequest,
)
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    CompactArray,
    CompactBytes,
    CompactString,
    Int8,
    Int16,
    Int32,
    Schema,
    TaggedFields,
)

T = TypeVar("T")

# Kafka's protocol codes (org.apache.kafka.common.acl / resource).
RESOURCE_TYPES = {"any": 1, "topic": 2, "group": 3, "cluster": 4, "transactional_id": 5}
PATTERN_TYPES = {"any": 1, "literal": 3, "prefix": 4}
OPERATIONS = {"any": 1, "all": 2, "read": 3, "write": 4, "create": 5, "describe": 8}
PERMISSIONS = {"any": 1, "deny": 2, "allow": 3}
SCRAM_MECHANISMS = {"SCRAM-SHA-256": (1, "sha256"), "SCRAM-SHA-512": (2, "sha512")}
SCRAM_ITERATIONS = 4096


@dataclass(frozen=True)
class Acl:
    """One ACL binding, in the protocol's codes; equal bindings are the same rule."""

    principal: str
    host: str
    operation: int
    permission: int
    resource_type: int
    resource_name: str
    pattern: int

    @classmethod
    def allow(cls, principal: str, resource: str, pattern: str, name: str, operation: str) -> Acl:
        """An ALLOW rule from the names ``rebub.deploy.acl`` uses (any host)."""
        return cls(
            principal,
            "*",
            OPERATIONS[operation.lower()],
            PERMISSIONS["allow"],
            RESOURCE_TYPES[resource],
            name,
            PATTERN_TYPES[pattern],
        )

    def as_fields(self) -> tuple[int, str, int, str, str, int, int]:
        """The fields of a Create/Delete/DescribeAcls request (one binding, or its own filter)."""
        return (
            self.resource_type,
            self.resource_name,
            self.pattern,
            self.principal,
            self.host,
            self.operation,
            self.permission,
        )


class AlterUserScramCredentialsResponse_v0(Response):  # type: ignore[misc]  # aiokafka is untyped here
    API_KEY = 51
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "results",
            CompactArray(
                ("user", CompactString("utf-8")),
                ("error_code", Int16),
                ("error_message", CompactString("utf-8")),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class AlterUserScramCredentialsRequest_v0(RequestStruct):  # type: ignore[misc]
    FLEXIBLE_VERSION = True
    API_KEY = 51
    API_VERSION = 0
    RESPONSE_TYPE = AlterUserScramCredentialsResponse_v0
    SCHEMA = Schema(
        (
            "deletions",
            CompactArray(
                ("name", CompactString("utf-8")), ("mechanism", Int8), ("tags", TaggedFields)
            ),
        ),
        (
            "upsertions",
            CompactArray(
                ("name", CompactString("utf-8")),
                ("mechanism", Int8),
                ("iterations", Int32),
                ("salt", CompactBytes),
                ("salted_password", CompactBytes),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


_ScramStruct: TypeAlias = AlterUserScramCredentialsRequest_v0


class AlterUserScramCredentialsRequest(Request[_ScramStruct]):  # type: ignore[misc]
    """Create or change SCRAM users (``upsertions``: name, mechanism, iterations, salt, hash)."""

    API_KEY: ClassVar[int] = 51

    def __init__(self, upsertions: list[tuple[str, int, int, bytes, bytes, dict[int, bytes]]]):
        self._upsertions = upsertions

    def build(self, request_struct_class: type[_ScramStruct]) -> _ScramStruct:
        return request_struct_class([], self._upsertions, {})


def scram_upsertion(
    user: str, password: str, mechanism: str
) -> tuple[str, int, int, bytes, bytes, dict[int, bytes]]:
    """One user's credential as the broker stores it: the salted password, never the password."""
    code, digest = SCRAM_MECHANISMS[mechanism]
    salt = secrets.token_bytes(32)
    salted = hashlib.pbkdf2_hmac(digest, password.encode(), salt, SCRAM_ITERATIONS)
    return (user, code, SCRAM_ITERATIONS, salt, salted, {})


class KafkaAdmin:
    """An open aiokafka admin session with the calls the tooling needs."""

    def __init__(self, client: AIOKafkaAdminClient) -> None:
        self.client = client

    async def list_topics(self) -> list[str]:
        return list(await self.client.list_topics())

    async def create_topics(self, topics: list[NewTopic]) -> None:
        """Create ``topics``; one that exists already is not an error."""
        response = await self.client.create_topics(topics)
        for name, code, *_ in response.topic_errors:
            if code not in (0, 36):  # 36: TOPIC_ALREADY_EXISTS
                raise for_code(code)(f"creating topic {name}")

    async def describe_acls(self) -> set[Acl]:
        """Every ACL binding of the cluster."""
        # A filter matching every binding: ANY type, pattern, operation and permission (1), any
        # name, principal and host (None).
        every = DescribeAclsRequest(1, None, 1, None, None, 1, 1)
        response = await self.client._send_request(every)
        _raise(response.error_code, response.error_message)
        return {
            Acl(principal, host, operation, permission, kind, name, pattern)
            for kind, name, pattern, acls in response.resources
            for principal, host, operation, permission in acls
        }

    async def create_acls(self, acls: Iterable[Acl]) -> None:
        for acl in acls:
            response = await self.client._send_request(CreateAclsRequest(*acl.as_fields()))
            for code, message in response.creation_responses:
                _raise(code, message)

    async def delete_acls(self, acls: Iterable[Acl]) -> None:
        for acl in acls:  # an exact binding is its own filter
            response = await self.client._send_request(DeleteAclsRequest(*acl.as_fields()))
            for code, message, _ in response.filter_responses:
                _raise(code, message)

    async def upsert_scram_users(self, passwords: dict[str, str], mechanism: str) -> None:
        """Create each user, or give it its password again (idempotent)."""
        upsertions = [scram_upsertion(u, p, mechanism) for u, p in passwords.items()]
        request = AlterUserScramCredentialsRequest(upsertions)
        response = await self.client._send_to_controller(request)
        failed = {user: message for user, code, message, _ in response.results if code}
        if failed:
            raise RuntimeError(f"kafka: SCRAM users not created: {failed}")


def _raise(code: int, message: str | None) -> None:
    if code:
        raise for_code(code)(message or "")


def call(
    bootstrap: str,
    options: dict[str, Any],
    work: Callable[[KafkaAdmin], Awaitable[T]],
    *,
    timeout_ms: int = 10000,
) -> T:
    """Run ``work`` in one admin session on ``bootstrap`` and return its result (synchronous)."""

    async def session() -> T:
        client = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms, **options
        )
        await client.start()
        try:
            return await work(KafkaAdmin(client))
        finally:
            await client.close()

    with ThreadPoolExecutor(1, thread_name_prefix="kafka-admin") as thread:
        return thread.submit(asyncio.run, session()).result()
