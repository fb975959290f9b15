"""The daily import against the real broker and store: rejects, no events for unchanged
accounts, a refused file applies nothing."""

from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from patron_sync.adapters.feeds.generator import write_csv_feed
from patron_sync.domain.institutions import Institution
from rebub.testing.plugin import Namespace


async def _topic_records(namespace: Namespace, topic: str) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=namespace.backends.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            records += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return records


async def test_feed_with_bad_records_is_imported_once_and_reimport_sends_nothing(
    namespace: Namespace, instances: Any, tmp_path: Path
) -> None:
    feed = write_csv_feed(tmp_path / "ub.csv", 1000, Institution.UB, seed=1, bad_records=12)
    started = await instances("network")
    client, service = started["network"]

    def upload() -> dict[str, Any]:
        return {"file": ("ub.csv", feed.path.read_bytes(), "text/csv")}

    first = await client.post("/imports", params={"source": "ub"}, files=upload())
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["received"], report["created"], len(report["rejected"])) == (1000, 988, 12)
    assert sorted(r["position"] for r in report["rejected"]) == list(feed.bad_positions)
    assert {r["position_kind"] for r in report["rejected"]} == {"line"}
    stored = await service.runtime.db["accounts"].count_documents({})
    assert stored == 988
    sent = await _topic_records(namespace, namespace.topics.nz_patron)
    assert len(sent) == 988

    again = await client.post("/imports", params={"source": "ub"}, files=upload())
    assert again.json()["unchanged"] == 988
    assert (again.json()["created"], again.json()["updated"]) == (0, 0)
    assert len(await _topic_records(namespace, namespace.topics.nz_patron)) == 988


async def test_a_file_that_is_not_a_feed_is_refused_whole(
    namespace: Namespace, instances: Any, tmp_path: Path
) -> None:
    started = await instances("network")
    client, service = started["network"]
    files = {"file": ("ub.xml", b"<catalog><book/></catalog>", "application/xml")}
    answer = await client.post("/imports", params={"source": "ub"}, files=files)
    assert answer.status_code == 422
    assert "not an Alma users feed" in answer.json()["detail"]
    assert await service.runtime.db["accounts"].count_documents({}) == 0
