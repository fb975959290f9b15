"""Where the network holds personal data, as the code says it (issue 21): which collections,
topics and files hold some, and which fields of the event contracts are personal.

Every collection the services open is classified here, with or without personal data, by a
person who decided it: ``tools/rebub/tests/test_privacy_register.py`` compares these lists with
the collections the adapters open and with docs/privacy.md's register, so a new collection fails
until someone says here whether it holds personal data and writes its register row. The access
export (``rebub.privacy_export``) reads every personal collection but those of
``NOT_EXPORTED``, which say why.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from rebub_shared.topic_table import TopicSpec, topic_table

#: Field names that carry personal data in the event contracts.
PERSONAL_FIELDS = frozenset(
    {
        "last_name",
        "first_name",
        "emails",
        "email",
        "addresses",
        "address",
        "phones",
        "phone",
        "patron_id",
        "primary_id",
        "barcodes",
    }
)

#: Collections holding personal data (a name, a contact, a patron or primary id, a barcode, a
#: staff member's username), by name across the services.
PERSONAL_COLLECTIONS = frozenset(
    {
        # patron-sync, network zone
        "accounts",
        "summaries",
        "publications",
        "import_history",
        # patron-sync, institution zone
        "patrons",
        "barcodes",
        "patron_names",
        "nz_accounts",
        "nz_names",
        # circulation
        "loans",
        "requests",
        "webhook_deliveries",
        "network_activity",
        # notifier
        "letters",
        "letter_attempts",
        "open_letters",
        "print_batches",
        "reports",
        # every service
        "audit",
        "parked_events",
        # desk
        "sessions",
    }
)

#: Collections without personal data (counters, leases, configuration, confirmations).
PLAIN_COLLECTIONS = frozenset(
    {
        "imports",
        "erasures",
        "counters",
        "items",
        "webhooks",
        "webhook_counters",
        "webhook_leases",
        "letter_keys",
        "leases",
    }
)

#: Personal collections the access export does not read, and why.
NOT_EXPORTED = {
    "summaries": "a fingerprint of the account exported from `accounts`",
    "publications": "a batch's primary ids for minutes while it is published",
    "barcodes": "an index of the account's barcodes (in the account)",
    "patron_names": "an index of the account's name (in the account)",
    "nz_names": "an index of the network account's name (in the projection entry)",
    "letter_attempts": "errors of sending a letter (the letter is exported)",
    "open_letters": "letter ids while a letter is being sent",
    "import_history": "the feeds' reports quote a primary id only in a reject's reason",
    "parked_events": "events the outbox could not publish, re-driven or dropped by operators",
    "sessions": "staff members' desk sessions, not patrons'",
}

#: Files holding personal data: the register's `file` row -> the setting (``module:field``) or
#: the code that writes them.
PERSONAL_FILES = {
    "notifier printed letters (PDF)": "notifier.settings:letters_dir",
    "notifier mail folder (`.eml`)": "rebub.mailbox:LocalMailbox",
    "patron-sync spool": "patron_sync.settings:spool_dir",
}

#: The services' other file settings: no personal data (policies, item lists, templates).
PLAIN_FILES = frozenset(
    {
        "circulation.settings:policies_dir",
        "circulation.settings:items_file",
        "desk.settings:policies_dir",
        "notifier.settings:templates_dir",
    }
)


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or args:
        return [m for a in args for m in _models(a)]
    return []


def personal_fields(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """The personal fields of ``model`` and of the models it nests (dotted paths)."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    found = set()
    for name, info in model.model_fields.items():
        if name in PERSONAL_FIELDS:
            found.add(name)
        for nested in _models(info.annotation):
            found |= {f"{name}.{f}" for f in personal_fields(nested, seen)}
    return found


def carries_personal_data(spec: TopicSpec) -> bool:
    """Whether the events of a topic carry a personal field."""
    return any(personal_fields(event) for event in spec.events)


def personal_topics() -> tuple[TopicSpec, ...]:
    """The topics of the table whose events carry personal data (their dead letters too)."""
    return tuple(spec for spec in topic_table() if carries_personal_data(spec))
