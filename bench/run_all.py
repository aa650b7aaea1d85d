"""Run every benchmark and rewrite docs/benchmarks.md with the table.

    ./dev bench run_all [--quick] [--skip platform_load ...] [--minutes 10]

Each benchmark runs as its own process (JSON on stdout, kept in bench/out/<name>.json). The
"Scanning" section of docs/benchmarks.md is kept as it is (``./dev bench scan --write-docs``
rewrites it); everything else is regenerated. Benchmarks that fail are listed, not hidden.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DOCS = REPO / "docs" / "benchmarks.md"


def run(name: str, *args: str) -> dict[str, Any] | None:
    out = BENCH / "out"
    out.mkdir(exist_ok=True)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), *args], capture_output=True, text=True,
                          cwd=REPO, env={"QT_QPA_PLATFORM": "offscreen", **__import__("os").environ})
    text = proc.stdout
    try:
        result: dict[str, Any] = json.JSONDecoder().raw_decode(text[text.index("{"):])[0]
    except ValueError:
        print(f"{name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    result["_command"] = " ".join(["./dev bench", name, *args])
    result["_seconds"] = round(time.monotonic() - started, 1)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2))
    return result


def fmt(value: Any, unit: str = "") -> str:
    return "—" if value is None else f"{value}{unit}"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.2f}x"


def rows(r: dict[str, dict[str, Any] | None]) -> list[list[Any]]:
    out: list[list[Any]] = []
    d = r.get("decision")
    if d:
        dd, f = d["decision"], d["fsync_floor"]
        out.append(["Decision latency, median", f"{dd['median_ms']} ms", f"bare fsync {f['median_ms']} ms",
                    ratio(dd["median_ms"], f["median_ms"]), "≤ fsync + 1.5 ms", yes(d["met"]["median"]), d])
        out.append(["Decision latency, p95 (2,000 offline)", f"{dd['p95_ms']} ms", f"bare fsync p95 {f['p95_ms']} ms; "
                    f"raw sqlite3 txn {d['raw_sqlite_txn']['median_ms']}/{d['raw_sqlite_txn']['p95_ms']} ms; "
                    f"Ed25519 verify {d['ed25519_verify']['median_ms']} ms",
                    ratio(dd["p95_ms"], f["p95_ms"]), "≤ 5 ms", yes(d["met"]["p95"]), d])
    s = r.get("scan_to_decision")
    if s:
        every = s["baseline"].get("every_frame_decoded_p95_ms")
        out.append(["Scan to decision (app, 30 fps video), p95", f"{s['p95_ms']} ms (median {s['median_ms']})",
                    (f"every frame decoded {every} ms; " if every is not None else "")
                    + f"frame interval {s['baseline']['frame_interval_ms']} ms",
                    (f"{s['p95_ratio_to_every_frame']}x; " if every is not None else "")
                    + f"{s['p95_in_frames']} frames",
                    "≤ 100 ms", yes(s["met"]), s])
    st = r.get("startup")
    if st:
        a, f = st["app"], st["floor"]
        out.append(["Start-up warm (to cashier screen, camera live)", f"{a['warm_median_s']} s",
                    f"PySide6+cv2+SQLAlchemy empty window {f['warm_median_s']} s", f"{st['warm_ratio_vs_floor']}x",
                    "≤ 1.5 s", yes(st["met"]), st])
        if "demo" in st:
            d = st["demo"]
            out.append(["Demo window warm (platform, vouchers, enrollment, window)", f"{d['warm_median_s']} s",
                        f"PySide6+cv2+SQLAlchemy empty window {f['warm_median_s']} s",
                        f"{st['demo_warm_ratio_vs_floor']}x", "≤ 3 s", yes(d["warm_median_s"] <= 3.0), st])
        out.append(["Start-up cold" + ("" if a["cold_is_after_drop_caches"] else " (first run, cache not dropped)"),
                    f"{a['cold_s']} s", f"floor cold {f['cold_s']} s", ratio(a["cold_s"], f["cold_s"]), "—", "—", st])
        out.append(["RSS at ready", f"{a['rss_mb_at_ready']} MB", f"floor {f['rss_mb_at_ready']} MB",
                    ratio(a["rss_mb_at_ready"], f["rss_mb_at_ready"]), "—", "—", st])
    ss = r.get("steady_state")
    if ss:
        out.append([f"RSS after {ss['minutes']} min scanning 720p30", f"{ss['rss_mb']['end']} MB",
                    f"after start-up {ss['rss_mb']['after_start']} MB",
                    ratio(ss["rss_mb"]["end"], ss["rss_mb"]["after_start"]), "≤ 250 MB (10 min)",
                    yes(ss["met"]["rss"]), ss])
        out.append([f"RSS growth over {ss['minutes']} min (from 1 min)", f"{ss['rss_growth_pct_from_1_min']}%",
                    "—", "—", "≤ 10% (60 min soak)", yes(ss["met"]["growth"]), ss])
        every = ss["baseline"].get("idle_cpu_every_frame_decoded_pct")
        out.append(["CPU idle, camera on", f"{ss['idle_cpu_pct_of_one_core']}% of a core",
                    (f"every frame decoded {every}%; " if every is not None else "")
                    + f"camera source alone {ss['baseline']['camera_source_alone_cpu_pct']}%",
                    ratio(ss["idle_cpu_pct_of_one_core"], every or ss["baseline"]["camera_source_alone_cpu_pct"]),
                    "≤ 10%", yes(ss["met"]["idle_cpu"]), ss])
    p = r.get("platform_load")
    if p:
        settings = p["postgresql"]["settings"]
        durable = f"PostgreSQL {settings['server_version'].split()[0]}, fsync={settings['fsync']}, " \
                  f"synchronous_commit={settings['synchronous_commit']}"
        by = {(x["impl"], x["workers"]): x for x in p["runs"]}
        for workers in sorted({x["workers"] for x in p["runs"]}):
            mine, anchor = by.get(("project", workers)), by.get(("anchor", workers))
            if mine is None or anchor is None:
                continue
            o, ao = mine["online"], anchor["online"]
            b, ab = mine["batch"], anchor["batch"]
            met = (o["requests_per_s"] >= 800 and o["p95_ms"] <= 100 and o["server_cpu_ms_per_item"] <= 1.0
                   and o["requests_per_s"] >= 2 * ao["requests_per_s"])
            out.append([f"Online redemptions, {workers} worker(s), {durable}",
                        f"{o['requests_per_s']}/s, p50/p95/p99 {o['p50_ms']}/{o['p95_ms']}/{o['p99_ms']} ms, "
                        f"{o['server_cpu_ms_per_item']} ms server CPU each",
                        f"anchor {ao['requests_per_s']}/s, p95 {ao['p95_ms']} ms, {ao['server_cpu_ms_per_item']} ms",
                        ratio(o["requests_per_s"], ao["requests_per_s"]),
                        "≥ 800/s, p95 ≤ 100 ms, ≤ 1.0 ms, ≥ 2x anchor", yes(met), p])
            shape = f"{b.get('items_per_request', 200)}/batch, {b.get('connections', 4)} uploaders"
            out.append([f"Batch items/s ({shape}), {workers} worker(s)",
                        f"{b['items_per_s']}/s, {b['server_cpu_ms_per_item']} ms server + "
                        f"{b['postgres_cpu_ms_per_item']} ms PostgreSQL CPU/item",
                        f"anchor {ab['items_per_s']}/s, {ab['server_cpu_ms_per_item']} ms",
                        ratio(b["items_per_s"], ab["items_per_s"]), "≥ 25,000/s, ≥ 2x anchor",
                        yes(b["items_per_s"] >= 25_000 and b["items_per_s"] >= 2 * ab["items_per_s"]), p])
        out.append(["Same voucher raced by 50 terminals (answers and database)", "exactly one accept: "
                    + ", ".join(f"{x['impl']}/{x['workers']}w {x['race']['accepts_per_voucher']}" for x in p["runs"]),
                    "—", "—", "exactly 1", yes(p["race_exactly_one_everywhere"]), p])
    sb = r.get("sync_backlog")
    if sb:
        b, one = sb["batched_200"], sb["baseline_one_request_each"]
        out.append([f"Sync backlog {b['items']:,} (end to end, {sb['platform_db'].split('+')[0]} platform)",
                    f"{b['seconds']} s", f"one request each {one['seconds']} s ({one['items']} items)",
                    f"{sb['speedup_vs_one_each']}x faster", "≤ 2 s for 10,000", yes(b["seconds"] <= 2), sb])
    rs = r.get("reconnect_storm")
    if rs:
        on = rs["online_during_storm"]
        out.append([f"Reconnect storm: {rs['terminals']:,} terminals x {rs['items_each']} items within "
                    f"{rs['reconnect_window_s']:g} s, {rs['workers']} workers",
                    f"backlog in {rs['backlog_seconds']} s ({rs['answered_429']} answers 429); online p95 "
                    f"{on['p95_ms']} ms at {rs['online_rate_per_s']:g}/s; exactly once: {rs['exactly_once']['ok']}",
                    "—", "—", "≤ 60 s, online p95 ≤ 250 ms, exactly once",
                    yes(all(rs["met"].values())), rs])
    return out


def yes(flag: bool) -> str:
    return "met" if flag else "**not met**"


def scanning_section(text: str) -> str:
    match = re.search(r"^## Scanning\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
    return match.group(0).rstrip() + "\n" if match else ""


def write_docs(results: dict[str, dict[str, Any] | None]) -> None:
    old = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    scanning = scanning_section(old)
    keep = re.search(r"^## Where the time goes\n.*?(?=^## |\Z)", old, flags=re.S | re.M)
    machine: dict[str, Any] = next((r["machine"] for r in results.values() if r), {})
    lines = ["# Benchmarks", "",
             "## The whole loop", "",
             f"Measured {machine.get('date')} on {machine.get('cpus')} cores, {machine.get('system')}, "
             f"Python {machine.get('python')}, load average {machine.get('load_average_1m_at_start', '?')} at the "
             "start (the machine is shared). Command: `./dev bench run_all` (each row's own command below). "
             "Every figure is beside a baseline or physical floor measured in the same run; the machine is noisy, "
             "so read the ratios. Raw JSON: `bench/out/<name>.json`.", "",
             "| figure | value | baseline (same run) | ratio | target | met? | date | machine | command |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows(results):
        r = row[6]
        m = r["machine"]
        load = m.get("load_average_1m_at_start")
        lines.append("| " + " | ".join([*row[:6], m["date"], f"{m['cpus']} cores, Python {m['python']}"
                                        + ("" if load is None else f", load {load}"),
                                         f"`{r['_command']}`"]) + " |")
    failed = [k for k, v in results.items() if v is None]
    if failed:
        lines += ["", "Failed in this run: " + ", ".join(failed) + " (see the command's stderr)."]
    lines.append("")
    if keep:
        lines.append(keep.group(0).rstrip())
        lines.append("")
    DOCS.write_text("\n".join(lines) + "\n" + scanning, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (for a smoke test)")
    parser.add_argument("--minutes", default="2", help="steady-state scanning minutes (issue: 10)")
    parser.add_argument("--skip", nargs="*", default=[],
                        help="benchmarks not to run now; their last result in bench/out/ stays in the table")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    plan: dict[str, list[str]] = {
        "decision": ["--n", "500" if args.quick else "2000"],
        "scan_to_decision": ["--codes", "8" if args.quick else "20"],
        "startup": ["--warm", "2" if args.quick else "5"],
        "steady_state": ["--minutes", "1" if args.quick else args.minutes],
        "platform_load": ["--seconds", "3" if args.quick else "5"],
        "sync_backlog": ["--n", "2000" if args.quick else "10000", "--baseline-n", "500"],
        "reconnect_storm": ["--terminals", "200" if args.quick else "2000"],
    }
    results: dict[str, dict[str, Any] | None] = {}
    for name, bench_args in plan.items():
        if name in args.skip:
            saved = REPO / "bench" / "out" / f"{name}.json"
            if saved.exists():  # a skipped benchmark keeps its last saved result in the table
                results[name] = json.loads(saved.read_text())
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results[name] = run(name, *bench_args)
    if not args.no_docs:
        write_docs(results)
    print(json.dumps({k: (v is not None) for k, v in results.items()}))


if __name__ == "__main__":
    main()
