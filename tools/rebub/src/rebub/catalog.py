"""The event catalog for subscribers, generated from the shared contracts: an AsyncAPI 3.0
document (through FastStream's own generator) and a Markdown page. ``rebub catalog`` writes both;
a test regenerates them and fails when the committed files drift from the code.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from rebub_shared.cloudevents import EventPayload
from rebub_shared.contracts.catalog import TOPICS, TopicContract

HEADERS_DOC = (
    "Every record is a CloudEvents 1.0 event in Kafka binary mode: headers `ce_specversion`, "
    "`ce_id`, `ce_source`, `ce_type`, `ce_time`, `ce_subject`, `ce_tenant` (the institution or "
    "`network`) and, when set, `ce_correlationid`; the value is the JSON `data` below."
)


def _doc(model: type[EventPayload]) -> str:
    return inspect.cleandoc(model.__doc__ or "").replace("\n", " ")


def asyncapi_document() -> dict[str, Any]:
    """The network's AsyncAPI 3.0 document: one channel per topic, one message per event type."""
    broker = KafkaBroker()
    for contract in TOPICS:
        for event in contract.events:
            broker.publisher(
                contract.name,
                title=f"{contract.name}:{event.event_type}",
                description=f"{_doc(event)} Key: {contract.key}. Published by {contract.publisher}.",
                schema=event,
            )
    return _finish(
        AsyncAPI(
            broker,
            title="rebub: the Bordeaux library network's events",
            version="1",
            description=HEADERS_DOC,
        )
    )


SERVICES = ("patron-sync", "circulation", "notifier")


def _receiver(model: type[EventPayload]) -> Any:
    """A typed stand-in handler: FastStream documents a subscriber from its handler's signature."""

    async def receive(body: Any) -> None:
        return None

    receive.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=model)],
        return_annotation=None,
    )
    receive.__name__ = model.__name__
    return receive


def service_asyncapi_document(service: str) -> dict[str, Any]:
    """One service's AsyncAPI 3.0 document: what it publishes (send) and what it reads (receive)."""
    broker = KafkaBroker()
    for contract in TOPICS:
        publishes = contract.publisher.startswith(service)
        reads = any(s.startswith(service) for s in contract.subscribers)
        for event in contract.events:
            title = f"{contract.name}:{event.event_type}"
            if publishes:
                broker.publisher(contract.name, title=title, description=_doc(event), schema=event)
            if reads:
                broker.subscriber(contract.name, title=f"{title}:receive", description=_doc(event))(
                    _receiver(event)
                )
    return _finish(AsyncAPI(broker, title=f"rebub {service}", version="1", description=HEADERS_DOC))


def _finish(factory: AsyncAPI) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(factory.to_specification().to_json())
    document.pop("servers", None)  # the broker address is each deployment's own
    for channel in document.get("channels", {}).values():
        channel.pop("servers", None)
    return document


def _kind(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " or ".join(_kind(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list of {_kind(prop.get('items', {}))}"
    if "enum" in prop:
        return " / ".join(f"`{v}`" for v in prop["enum"])
    kind = str(prop.get("type", "any"))
    return f"{kind} ({prop['format']})" if "format" in prop else kind


def _table(title: str, schema: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    rows = [
        "",
        f"### {title}",
        "",
        "| field | type | required | description |",
        "|---|---|---|---|",
    ]
    for name, prop in schema.get("properties", {}).items():
        note = prop.get("description", "")
        rows.append(
            f"| `{name}` | {_kind(prop)} | {'yes' if name in required else 'no'} | {note} |"
        )
    return rows


def _fields(model: type[EventPayload], seen: set[str]) -> list[str]:
    schema = model.model_json_schema()
    rows = _table(model.__name__, schema)
    for name, sub in schema.get("$defs", {}).items():
        if name not in seen and "properties" in sub:
            seen.add(name)
            rows += _table(name, sub)
    return rows


def _topic_section(contract: TopicContract) -> list[str]:
    lines = [
        f"## `{contract.name}`",
        "",
        contract.description,
        "",
        f"- key: {contract.key}; {'compacted' if contract.compacted else 'retention by time'}",
        f"- published by {contract.publisher}; read by {', '.join(contract.subscribers)}",
        "",
        "| ce_type | Alma webhook | meaning |",
        "|---|---|---|",
    ]
    for event in contract.events:
        alma = getattr(event, "alma_event", None) or "-"
        lines.append(f"| `{event.event_type}` | {alma} | {_doc(event)} |")
    seen: set[str] = set()
    for event in contract.events:
        lines += _fields(event, seen)
    return [*lines, ""]


def markdown_catalog() -> str:
    lines = [
        "# rebub event catalog",
        "",
        "Generated from `shared/src/rebub_shared/contracts` by `rebub catalog`; do not edit by hand.",
        "",
        HEADERS_DOC,
        "",
        "`{inst}` is one of `ub`, `ubm`, `scpo`, `inp`, `bsa`. Each snapshot carries a `version` "
        "that only grows: keep the newest, ignore older or repeated deliveries.",
        "",
    ]
    for contract in TOPICS:
        lines += _topic_section(contract)
    return "\n".join(lines)


def write_catalog(folder: Path) -> list[Path]:
    """Write ``asyncapi.json`` and ``catalog.md`` into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    asyncapi = folder / "asyncapi.json"
    asyncapi.write_text(
        json.dumps(asyncapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )
    catalog = folder / "catalog.md"
    catalog.write_text(markdown_catalog())
    written = [asyncapi, catalog]
    for service in SERVICES:
        path = folder / f"{service}.asyncapi.json"
        document = service_asyncapi_document(service)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        written.append(path)
    return written
