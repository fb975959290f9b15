"""The desk benchmark's figures: per level, latency percentiles pooled over the rounds, and
throughput and CPU per operation as medians over the rounds; ratios to the raw store."""

from __future__ import annotations

import statistics
from typing import Any

from bench.measure import percentiles

PROCESSES = ("service", "store", "broker", "load_generator")


def summary(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per concurrency level (JSON-ready)."""
    update_ms = statistics.mean(
        [report["raw_before"]["mongo_update_ms"], report["raw_after"]["mongo_update_ms"]]
    )
    lines = []
    for desks in report["options"]["levels"]:
        runs = [run for run in report["runs"] if run["desks"] == desks]
        line: dict[str, Any] = {
            "desks": desks,
            "cycles": sum(r["cycles"] for r in runs),
            "loans_in_store": [r["loans_in_store"] for r in runs],
        }
        for op in ("check_out", "return"):
            pooled = [ms for run in runs for ms in run["latency_ms"][op]]
            line[op] = percentiles(pooled) | {"mean": statistics.mean(pooled)}
        line["ops_per_s"] = statistics.median(2 * r["cycles"] / r["wall_s"] for r in runs)
        for name in PROCESSES:
            per_op = [
                r["cpu_s"][name] * 1000 / (2 * r["cycles"])
                for r in runs
                if r["cpu_s"].get(name) is not None
            ]
            line[f"{name}_cpu_ms_per_op"] = statistics.median(per_op) if per_op else None
        line["store_idle_cpu_per_s"] = _median_idle(runs, "store")
        line["check_out_p50_over_raw_update"] = line["check_out"]["p50"] / update_ms
        line["errors"] = sum(r["error_count"] for r in runs)
        lines.append(line)
    return lines


def _median_idle(runs: list[dict[str, Any]], name: str) -> float | None:
    idle = [r["idle_cpu_s"][name] for r in runs if r["idle_cpu_s"].get(name) is not None]
    return statistics.median(idle) if idle else None


def _loads(values: list[float]) -> str:
    return "/".join(f"{x:.1f}" for x in values)


def _two_places(value: float | None) -> str:
    """CPU figures: None where the process is not on this machine (a server named by the env)."""
    return "n/a" if value is None else f"{value:.2f}"


def render(report: dict[str, Any]) -> str:
    """A plain-text summary (the figures bench/README.md quotes)."""
    before, after, seeding = report["raw_before"], report["raw_after"], report["seeding"]
    lines = [
        f"circulation desk: levels {report['options']['levels']}, {report['options']['rounds']} "
        f"round(s), {'shared' if report['options']['shared_store'] else 'private'} store; "
        f"{report['machine']['cpus']} CPUs, load average (1/5/15 min) at the start "
        f"{_loads(report['machine']['loadavg_start'])}, at the end "
        f"{_loads(report['machine']['loadavg_end'])}",
        "raw store (median single op, before/after): insert "
        f"{before['mongo_insert_ms']:.2f}/{after['mongo_insert_ms']:.2f} ms, find "
        f"{before['mongo_find_ms']:.2f}/{after['mongo_find_ms']:.2f} ms, update "
        f"{before['mongo_update_ms']:.2f}/{after['mongo_update_ms']:.2f} ms",
        f"raw broker: produce {before['kafka_produce_per_s']:,.0f}/s, consume "
        f"{before['kafka_consume_per_s']:,.0f}/s, one acknowledged publish "
        f"{before['kafka_publish_ms']:.2f} ms (median)",
        f"seeding: {seeding['items']:,} items in {seeding['items_s']:.1f} s, "
        f"{seeding['patrons']} patrons (Kafka -> projection) in {seeding['patrons_s']:.1f} s",
        "desks cycles loans in store | check-out p50/p95/p99 mean ms | return p50/p95/p99 mean ms | ops/s | "
        "CPU ms/op service store broker loadgen | co p50/raw upd | store idle CPU/s | errors",
    ]
    for line in report["summary"]:
        co, ret = line["check_out"], line["return"]
        cpu = " ".join(_two_places(line[f"{p}_cpu_ms_per_op"]) for p in PROCESSES)
        lines.append(
            f"{line['desks']:5} {line['cycles']:6} {line['loans_in_store']} | {co['p50']:.1f}/{co['p95']:.1f}/{co['p99']:.1f} "
            f"{co['mean']:.1f} | {ret['p50']:.1f}/{ret['p95']:.1f}/{ret['p99']:.1f} "
            f"{ret['mean']:.1f} | {line['ops_per_s']:.1f} | {cpu} | "
            f"{line['check_out_p50_over_raw_update']:.1f}x | "
            f"{_two_places(line['store_idle_cpu_per_s'])} | {line['errors']}"
        )
    return "\n".join(lines)
