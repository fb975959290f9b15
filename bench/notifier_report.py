"""The notifier benchmark's figures as text: raw speed, loading, breakdown, each pass, medians."""

from __future__ import annotations

from typing import Any

from bench.report_text import COUNTED, commands, counted_columns, figure, table


def _num(value: float | None, digits: int = 1) -> str:
    return figure(value, f",.{digits}f")


def render(report: dict[str, Any]) -> str:
    """A plain-text summary of a report from ``bench.notifier_letters.benchmark``."""
    raw, options, loading = report["raw"], report["options"], report["loading"]
    lines = [
        f"notifier daily pass: {options['loans']:,} active loans, {options['due']:,} reaching "
        f"a stage each day, {options['runs']} run(s)",
        f"raw store (median single op): insert {raw['mongo_insert_ms']:.2f} ms, find "
        f"{raw['mongo_find_ms']:.2f} ms, update {raw['mongo_update_ms']:.2f} ms",
        f"raw broker: produce {raw['kafka_produce_per_s']:,.0f}/s, consume "
        f"{raw['kafka_consume_per_s']:,.0f}/s",
        "loading (bulk, not measured part): "
        + ", ".join(
            f"{count:,} {name} in {loading['seconds'][name]:.1f} s"
            for name, count in loading["counts"].items()
        ),
    ]
    for name, label in (("compute_first", "first (schedules every loan)"), ("compute_only", "")):
        lines.append(_compute(report[name], label))
    lines.append(
        "day         letters emails printed  wall s  first s  ms/letter  cpu ms/letter "
        "(service store broker smtp)  email p50/p95 ms  printed p50/max ms  store idle"
    )
    for p in report["passes"]:
        letters = max(p["letters"], 1)
        cpu = " ".join(_num(None if s is None else s * 1000 / letters) for s in p["cpu_s"].values())
        email = p["per_letter_ms"].get("email", {})
        post = p["per_letter_ms"].get("post", {})
        lines.append(
            f"{p['day']}  {p['letters']:7,} {p['emails']:6,} {p['printed']:7,} "
            f"{p['wall_s']:7.1f} {_num(p['first_letter_s']):>8} "
            f"{p['wall_s'] * 1000 / letters:10.1f}  {cpu:>40}  "
            f"{_num(email.get('p50'))}/{_num(email.get('p95'))}  "
            f"{_num(post.get('p50'))}/{_num(post.get('max'))}  "
            f"{_num(p['store_idle_cpu_per_s'], 2)}"
        )
    lines += _round_trips(report)
    idle = report["idle_pass"]
    counts = idle["counts"]
    lines.append(
        f"idle pass (nothing due, the scheduler's every tick): {idle['wall_s']:.2f} s, "
        f"store CPU {_num(idle['cpu_s']['store'], 2)} s, store time of its commands "
        f"{counts['store_ms'] / 1000:.2f} s, service CPU {_num(idle['cpu_s']['service'], 2)} s, "
        f"store round trips {sum(counts['store'].values())} ({commands(counts['store'])})"
    )
    m = report["medians"]
    lines.append(
        f"MEDIAN: {_num(m['letters'], 0)} letters in {_num(m['wall_s'])} s = "
        f"{_num(m['letters_per_s'])} letters/s, {_num(m['ms_per_letter'])} ms/letter "
        f"= {_num(m['ms_per_letter_over_raw_update'])} x a raw store update; CPU ms/letter: "
        f"service {_num(m['service_cpu_ms_per_letter'])}, store {_num(m['store_cpu_ms_per_letter'])} "
        f"({_num(m['store_cpu_ms_per_letter_net'])} net of others' load), "
        f"broker {_num(m['broker_cpu_ms_per_letter'])}, smtp {_num(m['smtp_cpu_ms_per_letter'])}"
    )
    return "\n".join(lines)


def _round_trips(report: dict[str, Any]) -> list[str]:
    """Per letter, counted in the service (these carry to MongoDB)."""
    rows = (
        [
            p["day"],
            *counted_columns(p["counts_per_letter"]),
            f"{p['counts_per_letter']['store_ms']:.2f}",
        ]
        for p in report["passes"]
    )
    return [
        "per letter, counted in the service (these carry to MongoDB):",
        *table(["day", *COUNTED, "store ms"], rows),
    ]


def _compute(compute: dict[str, Any], label: str) -> str:
    counts = compute["counts"]
    return (
        f"compute only {label}({compute['loans_read']:,} loans read -> {compute['letters']:,} "
        f"letters for "
        f"{compute['due_loans']:,} loans): read loans {compute['read_loans_s']:.2f} s, read "
        f"patrons {compute['read_patrons_s']:.2f} s, stages + claimed keys "
        f"{compute['stages_and_claimed_keys_s']:.2f} s, letters_due {compute['letters_due_s']:.2f} s; "
        f"store round trips {sum(counts['store'].values()):,}, store time "
        f"{counts['store_ms'] / 1000:.2f} s"
    )
