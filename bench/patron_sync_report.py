"""The patron-sync import benchmark's figures: records per second, CPU per record of the service
(the six processes together), the store and the broker, beside the raw loop; the ratios."""

from __future__ import annotations

from typing import Any

from bench.counted import add, per_operation
from bench.patron_sync_service import INSTITUTIONS
from bench.report_text import COUNTED, counted_columns, figure, loads, table

SERVICE = ("network", *INSTITUTIONS)


def _ms_per(seconds: float | None, records: int) -> float | None:
    return None if seconds is None or not records else seconds * 1000 / records


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures (JSON-ready)."""
    counts, measured, raw = report["counts"], report["measured"], report["raw"]
    accounts, changed = counts["accounts"], counts["changed"]
    cpu = measured["cpu_s"]
    service_cpu = sum(cpu[name] for name in SERVICE)
    raw_cpu = raw["cpu_s"]
    figures: dict[str, Any] = {
        "consistent_s": measured["consistent_s"],
        "import_answer_s": measured["import_s"],
        "feed_records_per_s": accounts / measured["consistent_s"],
        "changed_records_per_s": changed / measured["consistent_s"],
        "service_cpu_ms_per_changed": _ms_per(service_cpu, changed),
        "service_cpu_ms_per_feed_record": _ms_per(service_cpu, accounts),
        "network_cpu_ms_per_feed_record": _ms_per(cpu["network"], accounts),
        "iz_cpu_ms_per_changed": _ms_per(sum(cpu[c] for c in INSTITUTIONS), changed),
        "store_cpu_ms_per_changed": _ms_per(cpu["store"], changed),
        "broker_cpu_ms_per_changed": _ms_per(cpu["broker"], changed),
        "raw_consistent_s": raw["consistent_s"],
        "raw_changed_records_per_s": changed / raw["consistent_s"] if changed else None,
        "raw_cpu_ms_per_changed": _ms_per(raw_cpu["raw_loop"], changed),
        "raw_store_cpu_ms_per_changed": _ms_per(raw_cpu["store"], changed),
        "raw_broker_cpu_ms_per_changed": _ms_per(raw_cpu["broker"], changed),
    }
    figures["time_ratio"] = _ratio(figures["consistent_s"], figures["raw_consistent_s"])
    figures["cpu_ratio"] = _ratio(
        figures["service_cpu_ms_per_changed"], figures["raw_cpu_ms_per_changed"]
    )
    figures["store_cpu_ratio"] = _ratio(
        figures["store_cpu_ms_per_changed"], figures["raw_store_cpu_ms_per_changed"]
    )
    figures["round_trips"] = _round_trips(report)
    return figures


def _round_trips(report: dict[str, Any]) -> dict[str, Any]:
    """Store round trips and broker requests: the network's per changed account, the IZs' per
    changed account each IZ received (its projection) and per linked changed copy."""
    counted, counts = report["measured"]["counts"], report["counts"]
    changed, copies = counts["changed"], sum(counts["linked_changed_per_iz"].values())
    izs = {"store": {}, "store_ms": 0.0, "kafka": {}, "published": 0}
    for code in INSTITUTIONS:
        izs = add(izs, counted[code])
    return {
        "network_per_changed_account": per_operation(counted["network"], changed),
        "izs_per_account_received": per_operation(izs, changed * len(INSTITUTIONS)),
        "izs_per_linked_changed_copy": per_operation(izs, copies),
    }


def render(report: dict[str, Any]) -> str:
    """A plain-text summary (the figures bench/README.md quotes)."""
    o, c, m = report["options"], report["counts"], report["machine"]
    setup, measured, raw, s = report["setup"], report["measured"], report["raw"], report["summary"]
    before = report["raw_before"]
    idle = measured["idle_cpu_per_s"]
    linked_changed = sum(c["linked_changed_per_iz"].values())
    lines = [
        f"patron-sync import: {c['accounts']:,} accounts, {c['changed']:,} changed, "
        f"{o['linked']:.0%} linked per IZ ({linked_changed} linked changed copies in all); "
        f"{'shared' if o['shared_store'] else 'private'} store; {m['cpus']} CPUs, "
        f"load {loads(m['loadavg_start'])} at the start, {loads(m['loadavg_end'])} at the end",
        f"raw store (median single op): insert {before['mongo_insert_ms']:.2f} ms, find "
        f"{before['mongo_find_ms']:.2f} ms, update {before['mongo_update_ms']:.2f} ms; raw broker "
        f"produce {before['kafka_produce_per_s']:,.0f}/s, consume {before['kafka_consume_per_s']:,.0f}/s",
        f"phase 1 (setup): import {setup['import_s']:.1f} s, projected in 5 IZs "
        f"{setup['projected_s']:.1f} s; {setup['seeded']:,} links seeded in "
        f"{setup['seeded_s']:.1f} s (read back at revision {sorted(set(setup['seeded_read_back']))}), "
        f"{setup['api_links']:,} through the desk API in {setup['api_link_s']:.1f} s "
        f"({figure(setup['api_links'] / setup['api_link_s'] if setup['api_link_s'] else None, '.1f')}/s, "
        f"{setup['api_link_failures']} failed)",
        f"idle before phase 2 (CPU s/s): store {figure(idle['store'])}, IZs "
        f"{sum(idle[code] or 0 for code in INSTITUTIONS):.2f}, broker {figure(idle['broker'])}",
        f"phase 2 (measured): import answered {measured['import_s']:.1f} s, all five IZs "
        f"consistent {measured['consistent_s']:.1f} s ("
        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(measured["iz_consistent_s"].items()))
        + f"); report {measured['report']['updated']} updated / "
        f"{measured['report']['unchanged']} unchanged; changed copies stored "
        f"{measured['stored_changes']}/{linked_changed}",
        f"  {s['feed_records_per_s']:,.0f} feed records/s, {s['changed_records_per_s']:.1f} "
        f"changed/s; CPU ms per changed record: service {figure(s['service_cpu_ms_per_changed'])} "
        f"(network {figure(s['network_cpu_ms_per_feed_record'], '.3f')} per feed record, IZs "
        f"{figure(s['iz_cpu_ms_per_changed'])}), store {figure(s['store_cpu_ms_per_changed'])}, "
        f"broker {figure(s['broker_cpu_ms_per_changed'])}",
        f"raw loop: consistent {raw['consistent_s']:.2f} s (NZ upserted "
        f"{raw['nz_upserted_s']:.2f} s, published {raw['published_s']:.2f} s), "
        f"{figure(s['raw_changed_records_per_s'], ',.1f')} changed/s; CPU ms per changed record: "
        f"loop {figure(s['raw_cpu_ms_per_changed'])}, store {figure(s['raw_store_cpu_ms_per_changed'])}, "
        f"broker {figure(s['raw_broker_cpu_ms_per_changed'])}",
        f"ratios service/raw: time {figure(s['time_ratio'], '.1f')}x, own CPU "
        f"{figure(s['cpu_ratio'], '.1f')}x, store CPU {figure(s['store_cpu_ratio'], '.1f')}x",
        "store round trips and broker requests, counted in the services (these carry to MongoDB):",
    ]
    rows = ([name.replace("_", " "), *counted_columns(f)] for name, f in s["round_trips"].items())
    return "\n".join(lines + table(["per", *COUNTED], rows))
