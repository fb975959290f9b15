"""Institution instances against the real broker and store: NZ copies keep local additions,
link on first use (a search links nobody; opening an account reads it from the network zone),
external readers fanned out to all five IZs."""

import csv
from pathlib import Path
from typing import Any

from rebub.demo.feeds import write_csv_feed
from rebub.testing.plugin import Namespace

from .conftest import EXTERNAL_READER, eventually, topic_records


def _rename(source: Path, target: Path, primary_id: str, last_name: str) -> None:
    with source.open(encoding="utf-8") as f_in, target.open("w", encoding="utf-8") as f_out:
        reader, writer = csv.DictReader(f_in, delimiter=";"), None
        for row in reader:
            if writer is None:
                writer = csv.DictWriter(f_out, list(row), delimiter=";", lineterminator="\n")
                writer.writeheader()
            if row["primary_id"] == primary_id:
                row["last_name"] = last_name
            writer.writerow(row)


async def test_linked_copy_follows_the_nz_and_keeps_its_barcode_unlinked_iz_has_none(
    namespace: Namespace, instances: Any, tmp_path: Path
) -> None:
    feed = write_csv_feed(tmp_path / "ub.csv", 50, "ub", seed=3)
    up = await instances("network", "ubm", "ub")
    (network, _), (ubm, ubm_service), (ub, ub_service) = up["network"], up["ubm"], up["ub"]
    files = {"file": ("ub.csv", feed.path.read_bytes(), "text/csv")}
    assert (await network.post("/imports", params={"source": "ub"}, files=files)).status_code == 200
    pid = "UB-0000007"

    async def projected() -> bool:
        return await ubm_service.runtime.db["nz_accounts"].count_documents({}) == 50

    await eventually(projected)
    linked = await ubm.get(f"/patrons/{pid}")
    assert linked.status_code == 200, linked.text
    added = await ubm.post(f"/patrons/{pid}/identifiers", json={"value": "UBM-CARD-0042"})
    assert added.status_code == 201, added.text

    renamed = tmp_path / "ub2.csv"
    _rename(feed.path, renamed, pid, "Nouveau-Nom")
    files = {"file": ("ub.csv", renamed.read_bytes(), "text/csv")}
    run = {"X-Correlation-ID": "ub-feed-run-2"}
    imported = await network.post("/imports", params={"source": "ub"}, files=files, headers=run)
    report = imported.json()
    assert (report["updated"], report["unchanged"]) == (1, 49)

    async def renamed_in_ubm() -> bool:
        answer = await ubm.get("/patrons", params={"barcode": "UBM-CARD-0042"})
        return (
            answer.status_code == 200
            and answer.json()["patrons"][0]["record"]["last_name"] == "Nouveau-Nom"
        )

    await eventually(renamed_in_ubm)
    # The feed run's correlation id went through the hop: the NZ record it wrote, read by ubm's
    # batch consumer, and the copy's event that consumer caused.
    copies = await topic_records(namespace, namespace.topics.patron("ubm"))
    [renamed_copy] = [r for r in copies if r.key == pid.encode() and b"Nouveau-Nom" in r.value]
    assert dict(renamed_copy.headers)["ce_correlationid"] == b"ub-feed-run-2"
    edit = await ubm.patch(f"/patrons/{pid}", json={"last_name": "Autre"})
    assert edit.status_code == 409
    assert edit.json()["errors"][0]["field"] == "last_name"

    async def ub_projected() -> bool:
        doc = await ub_service.runtime.db["nz_accounts"].find_one({"_id": pid})
        return doc is not None and doc["version"] == 2

    await eventually(ub_projected)
    # The projection keeps where it read the account's last record: linking reads that one.
    last = [
        r
        for r in await topic_records(namespace, namespace.topics.nz_patron)
        if r.key == pid.encode()
    ][-1]
    assert dict(last.headers)["ce_correlationid"] == b"ub-feed-run-2"
    doc = await ub_service.runtime.db["nz_accounts"].find_one({"_id": pid})
    assert doc is not None
    assert doc["at"] == [last.partition, last.offset]
    assert await ub_service.runtime.db["patrons"].find_one({"_id": pid}) is None
    found = await ub.get("/patrons", params={"name": "nouveau-n"})
    assert [(p["account_id"], p["linked"]) for p in found.json()["patrons"]] == [(pid, False)]
    assert (found.json()["total"], found.json()["next_offset"]) == (1, None)
    assert "@" not in str(found.json())  # a search shows a name, no contact data
    assert await ub_service.runtime.db["patrons"].find_one({"_id": pid}) is None  # not linked
    opened = (await ub.get(f"/patrons/{pid}")).json()  # linked now, read from the network zone
    assert (opened["linked"], opened["record"]["last_name"]) == (True, "Nouveau-Nom")
    assert opened["record"]["emails"]
    assert opened["revision"] == 1
    assert "UBM-CARD-0042" not in str(opened)
    assert (await ub.get("/patrons", params={"name": "no"})).status_code == 422
    missing = await ub.get("/patrons", params={"barcode": "NOPE"})
    assert missing.status_code == 404
    assert "search by name" in missing.json()["detail"]

    # A bulk link (an institution joining): each network account read once, linked in full.
    ids = [pid, "UB-0000011", "UB-0000012", "UB-0000012", "NOPE-1"]
    bulk = await ub.post("/patron-links", json={"primary_ids": ids})
    assert bulk.status_code == 200, bulk.text
    assert bulk.json() == {
        "linked": ["UB-0000011", "UB-0000012"],
        "already_linked": [pid],
        "unknown": ["NOPE-1"],
    }
    copy = await ub_service.runtime.db["patrons"].find_one({"_id": "UB-0000012"})
    assert copy is not None
    assert (await ub.get("/patrons/UB-0000012")).json()["record"]["emails"]
    too_many = {"primary_ids": [f"X-{n}" for n in range(1001)]}
    assert (await ub.post("/patron-links", json=too_many)).status_code == 422


async def test_external_reader_reaches_all_five_izs_and_never_the_nz(
    namespace: Namespace, instances: Any
) -> None:
    up = await instances("ub", "ubm", "scpo", "inp", "bsa")
    reader = EXTERNAL_READER | {"identifiers": [{"value": "EXT-CARD-7"}]}
    created = await up["scpo"][0].post("/external-readers", json=reader)
    assert created.status_code == 201, created.text
    reader_id = created.json()["account_id"]

    for tenant, (client, service) in up.items():

        async def found_by_barcode(client: Any = client) -> bool:
            answer = await client.get("/patrons", params={"barcode": "EXT-CARD-7"})
            return (
                answer.status_code == 200 and answer.json()["patrons"][0]["account_id"] == reader_id
            )

        await eventually(found_by_barcode)
        assert await service.runtime.db["nz_accounts"].find_one({"_id": reader_id}) is None, tenant

    change = {"expiry_date": "2028-06-30"}
    assert (
        await up["scpo"][0].patch(f"/external-readers/{reader_id}", json=change)
    ).status_code == 200

    async def everywhere(expiry: str) -> bool:
        answers = [await client.get(f"/patrons/{reader_id}") for client, _ in up.values()]
        return {a.json()["record"]["expiry_date"] for a in answers} == {expiry}

    await eventually(lambda: everywhere("2028-06-30"))

    # A change made later in another institution reaches every IZ, the creating one included.
    # (Made before ubm held scpo's change, it would be a concurrent edit of the same version,
    # which the institution order settles: see the unit tests.)
    change = {"expiry_date": "2029-06-30"}
    assert (
        await up["ubm"][0].patch(f"/external-readers/{reader_id}", json=change)
    ).status_code == 200
    await eventually(lambda: everywhere("2029-06-30"))

    # Closed in inp: every zone closes its copy (its patron snapshot says closed, so circulation
    # refuses the reader loans); a closed reader is closed for good.
    closed = await up["inp"][0].post(f"/external-readers/{reader_id}/close")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed"), closed.text

    async def closed_everywhere() -> bool:
        answers = [await client.get(f"/patrons/{reader_id}") for client, _ in up.values()]
        return {a.json()["status"] for a in answers} == {"closed"}

    await eventually(closed_everywhere)
    again = await up["ub"][0].post(f"/external-readers/{reader_id}/close")
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "status")
    late = await up["scpo"][0].patch(f"/external-readers/{reader_id}", json=change)
    assert late.status_code == 409, late.text
