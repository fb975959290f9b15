"""The event catalog for subscribers: an AsyncAPI 3.0 document (through FastStream's own
generator), one per service, and a Markdown page. The topics, keys and events come from the topic
table (``rebub_shared.topic_table``); who publishes and who reads each topic, in which consumer
group, from the services' declarations (``rebub.deploy.services``). ``rebub catalog`` writes them;
a test regenerates them and fails when the committed files drift from the code.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from rebub.deploy.services import service_topologies
from rebub_shared.cloudevents import EventPayload
from rebub_shared.tenancy import NETWORK, TenantCode, institution_codes
from rebub_shared.topic_table import INSTITUTION_PLACEHOLDER, TopicSpec, topic_spec, topic_table
from rebub_shared.topics import Topics

HEADERS_DOC = (
    "Every record is a CloudEvents 1.0 event in Kafka binary mode: headers `ce_specversion`, "
    "`ce_id`, `ce_source`, `ce_type`, `ce_time`, `ce_subject`, `ce_tenant` (the institution or "
    "`network`), `ce_correlationid` when the event was caused by an HTTP request (its "
    "`X-Correlation-ID`, given or made up) or by a record that had one, and `ce_almaevent` (Alma's "
    "webhook code) on the loan events Alma has one for; the value is the JSON `data` below."
)
#: The Kafka bindings' version the messages declare (FastStream writes 0.4.0 on channels).
KAFKA_BINDING_VERSION = "0.4.0"


@dataclass(frozen=True)
class Reader:
    """A consumer group of one service on a channel, in every tenant that runs it."""

    service: str
    who: str  # "circulation [inst]", "patron-sync [each institution]"
    group: str  # with ``{inst}`` for the institution running it
    purpose: str
    events: tuple[type[EventPayload], ...]


@dataclass(frozen=True)
class Channel:
    """One topic of the catalog (``{inst}`` for each institution's own) and its users."""

    spec: TopicSpec
    publishers: dict[str, str] = field(default_factory=dict)  # service -> "circulation [inst]"
    readers: list[Reader] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.pattern


def _placeholder(name: str, tenant: TenantCode) -> str:
    return (
        name if tenant == NETWORK else name.replace(f"{tenant}.", f"{INSTITUTION_PLACEHOLDER}.", 1)
    )


Use = tuple[TenantCode, bool]  # a tenant's instance, and whether the topic is its own


def _who(service: str, uses: list[Use]) -> str:
    """``service [...]``: ``inst`` when every institution uses its own topic, ``each institution``
    when every institution uses the shared one, the tenants' codes otherwise."""
    own = list(dict.fromkeys(t for t, is_own in uses if is_own))
    shared = list(dict.fromkeys(t for t, is_own in uses if not is_own))
    labels = ["inst"] if set(own) == set(institution_codes()) else own
    labels += [NETWORK] if NETWORK in shared else []
    institutions = [t for t in shared if t != NETWORK]
    labels += (
        ["each institution"] if set(institutions) == set(institution_codes()) else institutions
    )
    return f"{service} [{', '.join(labels)}]"


def channels() -> list[Channel]:
    """Every channel of the table, with the publishers and readers the services declare."""
    t = Topics()
    found = {s.pattern: Channel(s) for s in topic_table(t)}
    writers: dict[tuple[str, str], list[Use]] = {}
    readers: dict[tuple[str, str, str, str], tuple[list[Use], tuple[Any, ...]]] = {}
    for instance in service_topologies(t):
        for name in instance.topics_written:
            spec = topic_spec(name, t)
            use = (instance.tenant, spec.owner == instance.tenant)
            writers.setdefault((spec.pattern, instance.service), []).append(use)
        for c in instance.consumes:
            for name in c.topics:
                spec = topic_spec(name, t)
                use = (instance.tenant, spec.owner == instance.tenant)
                group = _placeholder(c.group, instance.tenant)
                key = (spec.pattern, instance.service, group, c.description)
                readers.setdefault(key, ([], c.events))[0].append(use)
    for (pattern, service), uses in writers.items():
        found[pattern].publishers[service] = _who(service, uses)
    for (pattern, service, group, purpose), (uses, events) in readers.items():
        channel = found[pattern]
        carried = tuple(e for e in channel.spec.events if e in events)
        channel.readers.append(Reader(service, _who(service, uses), group, purpose, carried))
    return list(found.values())


def _doc(model: type[EventPayload]) -> str:
    return inspect.cleandoc(model.__doc__ or "").replace("\n", " ")


def _published_by(channel: Channel) -> str:
    return ", ".join(channel.publishers.values()) or "no rebub service"


def asyncapi_document() -> dict[str, Any]:
    """The network's AsyncAPI 3.0 document: one channel per topic, one message per event type."""
    broker = KafkaBroker()
    for channel in channels():
        spec = channel.spec
        for event in spec.events:
            broker.publisher(
                channel.name,
                title=f"{channel.name}:{event.event_type}",
                description=f"{_doc(event)} Key: {spec.key}. Published by "
                f"{_published_by(channel)}.",
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
    """One service's AsyncAPI 3.0 document: what it publishes (send) and what it reads (receive),
    each read naming its consumer group."""
    broker = KafkaBroker()
    for channel in channels():
        if service in channel.publishers:
            for event in channel.spec.events:
                title = f"{channel.name}:{event.event_type}"
                broker.publisher(channel.name, title=title, description=_doc(event), schema=event)
        # One receive per event: a service reading it in several groups (the network zone's
        # and each institution zone's) names every group, in a stable order.
        reads: dict[str, tuple[Any, list[str]]] = {}
        for reader in sorted(channel.readers, key=lambda r: r.group):
            if reader.service != service:
                continue
            for event in reader.events:
                use = f"Read in group `{reader.group}`: {reader.purpose.rstrip('.')}."
                reads.setdefault(event.event_type, (event, []))[1].append(use)
        for event_type, (event, uses) in reads.items():
            title = f"{channel.name}:{event_type}:receive"
            description = " ".join((_doc(event), *uses))
            broker.subscriber(channel.name, title=title, description=description)(_receiver(event))
    return _finish(AsyncAPI(broker, title=f"rebub {service}", version="1", description=HEADERS_DOC))


def _finish(factory: AsyncAPI) -> dict[str, Any]:
    """FastStream's document, completed with what a subscriber relies on: the ``{inst}``
    parameter of each institution's channel, each message's ``ce_*`` headers and Kafka key."""
    document: dict[str, Any] = json.loads(factory.to_specification().to_json())
    document.pop("servers", None)  # the broker address is each deployment's own
    table = {s.pattern: s for s in topic_table()}
    messages = document.get("components", {}).get("messages", {})
    for name, channel in document.get("channels", {}).items():
        channel.pop("servers", None)
        if INSTITUTION_PLACEHOLDER in channel["address"]:
            channel["parameters"] = {"inst": _institution_parameter()}
        spec = table[channel["address"]]
        event = next(e for e in spec.events if e.event_type == name.split(":")[1])
        for ref in channel.get("messages", {}).values():
            message = messages[unquote(ref["$ref"].rsplit("/", 1)[-1])]
            message["headers"] = _headers(event, spec)
            message["bindings"] = {
                "kafka": {
                    "key": {"type": "string", "description": spec.key},
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            }
            message["correlationId"] = {
                "description": "The request or record that caused the event (CloudEvents "
                "extension `correlationid`).",
                "location": "$message.header#/ce_correlationid",
            }
    return document


def _institution_parameter() -> dict[str, Any]:
    return {
        "description": "The institution whose own topic it is.",
        "enum": list(institution_codes()),
    }


def _headers(event: type[EventPayload], spec: TopicSpec) -> dict[str, Any]:
    """The JSON schema of one event's record headers (CloudEvents binary mode)."""
    tenants = list(institution_codes()) if spec.owner else [NETWORK, *institution_codes()]
    text = {"type": "string"}
    properties: dict[str, Any] = {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "content-type": {"type": "string", "const": "application/json"},
        "ce_id": text | {"description": "Unique per event; a redelivery keeps it."},
        "ce_source": text | {"description": "`/rebub/<tenant>/<service>`."},
        "ce_type": {"type": "string", "const": event.event_type},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": text | {"description": "The entity the event is about."},
        "ce_tenant": {"type": "string", "enum": tenants},
        "ce_correlationid": text | {"description": "The request or record that caused it."},
    }
    required = [k for k in properties if k != "ce_correlationid"]
    if event.alma_event:
        properties["ce_almaevent"] = {"type": "string", "const": event.alma_event}
        required.append("ce_almaevent")
    return {"type": "object", "properties": properties, "required": required}


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


def _topic_section(channel: Channel) -> list[str]:
    spec = channel.spec
    kept = f"kept {spec.retention_days} days"
    if spec.compacted:
        kept = "compacted" if spec.retention_days is None else f"compacted, {kept}"
    reads = [f"- read by {r.who}, group `{r.group}`: {r.purpose}" for r in channel.readers] or [
        "- read by no rebub service"
    ]
    lines = [
        f"## `{channel.name}`",
        "",
        spec.description,
        "",
        f"- key: {spec.key}; {kept}; {spec.partitions} partitions",
        f"- published by {_published_by(channel)}",
        *reads,
        "",
        "| ce_type | Alma webhook | meaning |",
        "|---|---|---|",
    ]
    for event in spec.events:
        alma = getattr(event, "alma_event", None) or "-"
        lines.append(f"| `{event.event_type}` | {alma} | {_doc(event)} |")
    seen: set[str] = set()
    for event in spec.events:
        lines += _fields(event, seen)
    return [*lines, ""]


def markdown_catalog() -> str:
    """The catalog page: each topic, its users, its events and their fields."""
    institutions = ", ".join(f"`{code}`" for code in institution_codes())
    lines = [
        "# rebub event catalog",
        "",
        "Generated from `rebub_shared.topic_table` and the services' declarations by "
        "`rebub catalog`; do not edit by hand.",
        "",
        HEADERS_DOC,
        "",
        f"`{{inst}}` is one of {institutions}. Each snapshot carries a `version` that only "
        "grows: keep the newest, ignore older or repeated deliveries. A consumer sets aside what "
        "it cannot process on its tenant's dead-letter topic, `{tenant}.dlq.<topic>`.",
        "",
    ]
    for channel in channels():
        lines += _topic_section(channel)
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
    for service in dict.fromkeys(s.service for s in service_topologies(Topics())):
        path = folder / f"{service}.asyncapi.json"
        document = service_asyncapi_document(service)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        written.append(path)
    return written
