#!/usr/bin/python3
"""Tables from Google Benchmark JSON files written by the bench binaries.

  report.py table FILE.json         a summary (one row per input, MiB/s of every
                                    implementation, ours as a ratio to its raw
                                    baseline), then every benchmark's medians
  report.py summary FILE.json       the summary only
  report.py compare OLD.json NEW.json
                                    the change of every benchmark in both files

Benchmark names are <Scenario>/<implementation>[/<arg>] (docs/design.md,
"Benchmark names"). Ratios are throughput ratios computed from CPU time (the
time Google Benchmark divides by for bytes/s and items/s): 0.80x means our
parser moves 80% of the bytes the baseline moves in the same CPU time. The
SASL scenarios (SASL_SCENARIOS) are reported in items/s (exchanges, PBKDF2
iterations, client-final checks) against OpenSSL's raw primitives.
Standard library only.
"""

import json
import math
import os
import statistics
import sys

BASELINES = ("raw_expat", "raw_libxml2", "pugixml", "memchr", "openssl_raw", "openssl_prekeyed", "memcpy")
OURS = {"xmppfuzz_expat": "raw_expat", "xmppfuzz_libxml2": "raw_libxml2", "xmppfuzz_native": "raw_expat",
        "xmppfuzz": "openssl_raw", "xmppfuzz_tls": None}
ORDER = BASELINES + tuple(OURS)
# SASL scenarios (bench/sasl_bench.cc): what one item is, for the table.
SASL_SCENARIOS = {
    "ScramExchange": "exchanges/s (SCRAM-SHA-256, i=4096, both sides)",
    "Pbkdf2Sha1": "PBKDF2 iterations/s (HMAC-SHA-1)",
    "Pbkdf2Sha256": "PBKDF2 iterations/s (HMAC-SHA-256)",
    "Pbkdf2Sha512": "PBKDF2 iterations/s (HMAC-SHA-512)",
    "ServerCheck": "client-final checks/s (SCRAM-SHA-256, cached StoredKey/ServerKey)",
}
# TLS scenarios (bench/tls_bench.cc): the unit and the baseline ours is set against.
TLS_SCENARIOS = {
    "RecordStream": ("GB/s (handshake records of ARG bytes, 1000-byte messages, 4 KiB reads)", "memcpy"),
    "ClientHello": ("ClientHellos/s (OpenSSL's first flight: records, message, SNI, ALPN)", "openssl_raw"),
}
SCENARIOS = ("StreamMix", "ChunkSize", "StanzaSize", "NestingDepth", "AttributeCount", "IdleStream") + \
    tuple(SASL_SCENARIOS) + tuple(TLS_SCENARIOS)
SASL_TARGETS = (  # (scenario, ours, minimum items/s), measured, never asserted
    ("ServerCheck", "xmppfuzz", 400_000),
)
TARGETS = (  # (scenario, ours, baseline, minimum ratio), measured, never asserted
    ("StreamMix", "xmppfuzz_expat", "raw_expat", 0.8),
    ("StreamMix", "xmppfuzz_libxml2", "raw_libxml2", 0.8),
    ("StreamMix", "xmppfuzz_native", "raw_expat", 2.0),
    ("StreamMix", "xmppfuzz_native", "raw_libxml2", 1.0),
    ("StreamMix", "xmppfuzz_native", "pugixml", 1.0),  # 3.5x raw Expat, the goal beyond
)
IDLE_TARGETS = (("xmppfuzz_expat", 16 * 1024), ("xmppfuzz_native", 8 * 1024))  # heap per idle stream

NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class UsageError(Exception):
    pass


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        raise UsageError(f"{path} is not JSON: {e}")
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise UsageError(f"{path} is not a Google Benchmark JSON file (no 'benchmarks' list)")
    return doc


def split_name(run_name):
    """'StanzaSize/xmppfuzz_expat/1024' -> ('StanzaSize', 'xmppfuzz_expat', '1024')."""
    parts = run_name.split("/")
    if len(parts) < 2:
        return run_name, "", ""
    return parts[0], parts[1], "/".join(parts[2:])


def medians(doc):
    """Returns {run_name: row} with the median of every measured field.

    Uses the 'median' aggregate when the file has one, else the median of the
    individual repetitions (a run with --benchmark_repetitions=1).
    """
    runs = {}
    for b in doc["benchmarks"]:
        name = b.get("run_name", b.get("name"))
        runs.setdefault(name, {"median": None, "iterations": [], "error": None})
        entry = runs[name]
        if b.get("error_occurred"):
            entry["error"] = b.get("error_message", "error")
        elif b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                entry["median"] = b
        else:
            entry["iterations"].append(b)
    rows = {}
    for name, entry in runs.items():
        if entry["error"] is not None:
            rows[name] = {"error": entry["error"]}
            continue
        source = [entry["median"]] if entry["median"] else entry["iterations"]
        if not source:
            continue
        row = {}
        for key, value in source[0].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                row[key] = statistics.median(float(s[key]) for s in source if key in s)
        unit = source[0].get("time_unit", "ns")
        row["cpu_ns"] = row.get("cpu_time", 0.0) * NS_PER_UNIT.get(unit, 1.0)
        row["real_ns"] = row.get("real_time", 0.0) * NS_PER_UNIT.get(unit, 1.0)
        rows[name] = row
    return rows


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_bytes(n):
    if n is None:
        return ""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def fmt_rate(n):
    if n is None:
        return ""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.3g}"


def ratio(baseline, ours):
    if not baseline or not ours or "error" in baseline or "error" in ours or ours["cpu_ns"] <= 0:
        return None
    return baseline["cpu_ns"] / ours["cpu_ns"]


def fmt_ratio(r):
    if r is None:
        return ""
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.2g}x"


def arg_key(arg):
    try:
        return (0, int(arg), "")
    except ValueError:
        return (1, 0, arg)


def sort_key(name):
    scenario, impl, arg = split_name(name)
    scenario_key = (SCENARIOS.index(scenario), "") if scenario in SCENARIOS else (len(SCENARIOS), scenario)
    impl_key = ORDER.index(impl) if impl in ORDER else len(ORDER)
    return (scenario_key, arg_key(arg), impl_key, impl)


def summary_lines(rows):
    """One row per stream (scenario, arg): MiB/s of each implementation, ours
    with its ratio to the raw baseline, and our peak heap; then the idle
    stream table and the SASL table (sasl_summary_lines)."""
    inputs = sorted({(split_name(n)[0], split_name(n)[2]) for n in rows},
                    key=lambda k: sort_key(f"{k[0]}/x/{k[1]}" if k[1] else f"{k[0]}/x"))
    inputs = [(sc, arg) for sc, arg in inputs
              if sc != "IdleStream" and sc not in SASL_SCENARIOS and sc not in TLS_SCENARIOS]
    out = []
    if inputs:
        out = ["| input | raw_expat | xmppfuzz_expat | raw_libxml2 | xmppfuzz_libxml2 | xmppfuzz_native | pugixml "
               "| memchr | peak heap (ours, expat / libxml2 / native) |",
               "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for scenario, arg in inputs:
        suffix = "/" + arg if arg else ""
        get = lambda impl: rows.get(f"{scenario}/{impl}{suffix}")
        def speed(impl):
            row = get(impl)
            if row is None:
                return ""
            if "error" in row:
                return "skipped"
            mib = row.get("bytes_per_second")
            text = f"{mib / (1 << 20):.1f}" if mib else fmt_time(row["cpu_ns"])
            raw = OURS.get(impl)
            r = ratio(get(raw), row) if raw else None
            return text + (f" ({fmt_ratio(r)})" if r is not None else "")
        heaps = [get(i).get("peak_heap") if get(i) and "error" not in get(i) else None
                 for i in ("xmppfuzz_expat", "xmppfuzz_libxml2", "xmppfuzz_native")]
        label = f"{scenario} {arg}" if arg else scenario
        out.append(f"| {label} | {speed('raw_expat')} | {speed('xmppfuzz_expat')} | {speed('raw_libxml2')} | "
                   f"{speed('xmppfuzz_libxml2')} | {speed('xmppfuzz_native')} | {speed('pugixml')} | {speed('memchr')} | "
                   f"{' / '.join(fmt_bytes(h) for h in heaps)} |")
    idle = [(impl, rows.get(f"IdleStream/{impl}")) for impl in ORDER]
    idle = [(impl, row) for impl, row in idle if row and "bytes_per_stream" in row]
    if idle:
        out.append("")
        out.append("| heap held by one idle stream (after its header) | " + " | ".join(i for i, _ in idle) + " |")
        out.append("|---|" + "--:|" * len(idle))
        out.append("| bytes (allocations) | " + " | ".join(
            f"{fmt_bytes(r['bytes_per_stream'])} ({r.get('allocs_per_stream', 0):.0f})" for _, r in idle) + " |")
    if inputs:
        out.append("")
        out.append("MiB/s from median CPU time; (r.rrx) = our throughput over the raw parser's in the same run "
                   "(xmppfuzz_native over raw_expat). pugixml parses the whole input in one buffer (no push "
                   "interface), with parse_minimal: no UTF-8, name, namespace or reference checks.")
    for part in (sasl_summary_lines(rows), tls_summary_lines(rows)):
        if part and out:
            out.append("")
        out += part
    return out


def tls_summary_lines(rows):
    """One row per TLS scenario and argument: the baseline's rate and ours,
    with ours as a ratio to the baseline from the same run."""
    present = [sc for sc in TLS_SCENARIOS if any(split_name(n)[0] == sc for n in rows)]
    if not present:
        return []
    out = ["| TLS | unit | baseline | baseline rate | xmppfuzz_tls (vs baseline) |", "|---|---|---|--:|--:|"]
    for scenario in present:
        unit, base = TLS_SCENARIOS[scenario]
        for arg in sorted({split_name(n)[2] for n in rows if split_name(n)[0] == scenario}, key=arg_key):
            suffix = "/" + arg if arg else ""
            raw, ours = rows.get(f"{scenario}/{base}{suffix}"), rows.get(f"{scenario}/xmppfuzz_tls{suffix}")
            def rate(row):
                if row is None:
                    return ""
                if "error" in row:
                    return "skipped"
                if scenario == "RecordStream":
                    return f"{row.get('bytes_per_second', 0) / 1e9:.2f}"
                return fmt_rate(row.get("items_per_second"))
            r = ratio(raw, ours)
            label = f"{scenario} {arg}" if arg else scenario
            out.append(f"| {label} | {unit.replace('ARG', arg or '?')} | {base} | {rate(raw)} | {rate(ours)}"
                       f"{f' ({fmt_ratio(r)})' if r is not None else ''} |")
    out.append("")
    out.append("Rates from median CPU time; (r.rrx) = ours over the baseline's in the same run.")
    return out


def sasl_summary_lines(rows):
    """One row per SASL scenario: items/s of openssl_raw and of ours, with
    ours as a ratio to the raw primitives."""
    present = [sc for sc in SASL_SCENARIOS if any(split_name(n)[0] == sc for n in rows)]
    if not present:
        return []
    out = ["| SASL | unit | openssl_raw | openssl_prekeyed | xmppfuzz (vs raw) | xmppfuzz time per item |",
           "|---|---|--:|--:|--:|--:|"]
    for scenario in present:
        for arg in sorted({split_name(n)[2] for n in rows if split_name(n)[0] == scenario}, key=arg_key):
            suffix = "/" + arg if arg else ""
            raw, ours = rows.get(f"{scenario}/openssl_raw{suffix}"), rows.get(f"{scenario}/xmppfuzz{suffix}")
            prekeyed = rows.get(f"{scenario}/openssl_prekeyed{suffix}")
            def rate(row):
                if row is None:
                    return ""
                if "error" in row:
                    return "skipped"
                return fmt_rate(row.get("items_per_second"))
            r = ratio(raw, ours)
            per_item = ""
            if ours and "error" not in ours and ours.get("items_per_second"):
                per_item = fmt_time(1e9 / ours["items_per_second"])
            label = f"{scenario} {arg}" if arg else scenario
            out.append(f"| {label} | {SASL_SCENARIOS[scenario]} | {rate(raw)} | {rate(prekeyed)} | {rate(ours)}"
                       f"{f' ({fmt_ratio(r)})' if r is not None else ''} | {per_item} |")
    out.append("")
    out.append("Items/s from median CPU time; (r.rrx) = our rate over OpenSSL's raw primitives' in the same run; "
               "openssl_prekeyed = the check with HMAC contexts keyed once (the hashing floor).")
    return out


def load_rows(path):
    rows = medians(load(path))
    if not rows:
        raise UsageError(f"{path} holds no benchmark results (did the filter match nothing?)")
    return rows


def summary(path):
    print("\n".join(summary_lines(load_rows(path))))


def table(path):
    rows = load_rows(path)
    names = sorted(rows, key=sort_key)

    out = summary_lines(rows)
    out.append("")
    out.append("| benchmark | CPU time | MiB/s | items/s | vs raw | vs memchr | peak heap | heap per idle stream |")
    out.append("|---|--:|--:|--:|--:|--:|--:|--:|")
    for name in names:
        row = rows[name]
        if "error" in row:
            out.append(f"| {name} | skipped: {row['error']} | | | | | | |")
            continue
        scenario, impl, arg = split_name(name)
        suffix = "/" + arg if arg else ""
        raw = OURS.get(impl)
        vs_raw = ratio(rows.get(f"{scenario}/{raw}{suffix}"), row) if raw else None
        vs_memchr = ratio(rows.get(f"{scenario}/memchr{suffix}"), row) if impl != "memchr" else None
        mib = row.get("bytes_per_second")
        per_stream = row.get("bytes_per_stream")
        if per_stream is not None:
            per_stream_text = f"{fmt_bytes(per_stream)} ({row.get('allocs_per_stream', 0):.0f} allocs)"
        else:
            per_stream_text = ""
        out.append(
            "| {} | {} | {} | {} | {} | {} | {} | {} |".format(
                name,
                fmt_time(row["cpu_ns"]),
                f"{mib / (1 << 20):.1f}" if mib else "",
                fmt_rate(row.get("items_per_second")),
                fmt_ratio(vs_raw),
                fmt_ratio(vs_memchr),
                fmt_bytes(row.get("peak_heap")),
                per_stream_text,
            )
        )
    out.append("")
    out.append("Targets (measured, not asserted):")
    for scenario, ours, raw, minimum in TARGETS:
        r = ratio(rows.get(f"{scenario}/{raw}"), rows.get(f"{scenario}/{ours}"))
        if r is None:
            out.append(f"- {scenario}/{ours} >= {minimum:.1f}x {raw}: not measured in this run")
        else:
            verdict = "met" if r >= minimum else "MISSED"
            out.append(f"- {scenario}/{ours} >= {minimum:.1f}x {raw}: {r:.2f}x, {verdict}")
    for scenario, ours, minimum in SASL_TARGETS:
        row = rows.get(f"{scenario}/{ours}")
        if row is None or "error" in row or not row.get("items_per_second"):
            out.append(f"- {scenario}/{ours} >= {fmt_rate(minimum)}/s: not measured in this run")
        else:
            verdict = "met" if row["items_per_second"] >= minimum else "MISSED"
            out.append(f"- {scenario}/{ours} >= {fmt_rate(minimum)}/s: {fmt_rate(row['items_per_second'])}/s, {verdict}")
    for impl, limit in IDLE_TARGETS:
        idle = rows.get(f"IdleStream/{impl}")
        if idle is None or "bytes_per_stream" not in idle:
            out.append(f"- IdleStream/{impl} < {fmt_bytes(limit)} per stream: not measured in this run")
        else:
            verdict = "met" if idle["bytes_per_stream"] < limit else "MISSED"
            out.append(
                f"- IdleStream/{impl} < {fmt_bytes(limit)} per stream: "
                f"{fmt_bytes(idle['bytes_per_stream'])}, {verdict}"
            )
    print("\n".join(out))


def compare(old_path, new_path):
    old, new = medians(load(old_path)), medians(load(new_path))
    common = sorted(set(old) & set(new), key=sort_key)
    if not common:
        raise UsageError(f"{old_path} and {new_path} have no benchmark in common")
    out = []
    out.append(f"old: {old_path}")
    out.append(f"new: {new_path}")
    out.append("")
    out.append("| benchmark | old CPU time | new CPU time | time change | speedup | old peak heap | new peak heap |")
    out.append("|---|--:|--:|--:|--:|--:|--:|")
    log_speedups = []
    for name in common:
        a, b = old[name], new[name]
        if "error" in a or "error" in b:
            out.append(f"| {name} | {'skipped' if 'error' in a else fmt_time(a['cpu_ns'])} | "
                       f"{'skipped' if 'error' in b else fmt_time(b['cpu_ns'])} | | | | |")
            continue
        change = (b["cpu_ns"] - a["cpu_ns"]) / a["cpu_ns"] * 100 if a["cpu_ns"] else 0.0
        speedup = a["cpu_ns"] / b["cpu_ns"] if b["cpu_ns"] else float("inf")
        if math.isfinite(speedup) and speedup > 0:
            log_speedups.append(math.log(speedup))
        heap_a = a.get("peak_heap", a.get("bytes_per_stream"))
        heap_b = b.get("peak_heap", b.get("bytes_per_stream"))
        out.append(
            f"| {name} | {fmt_time(a['cpu_ns'])} | {fmt_time(b['cpu_ns'])} | {change:+.1f}% | {speedup:.2f}x | "
            f"{fmt_bytes(heap_a)} | {fmt_bytes(heap_b)} |"
        )
    out.append("")
    if log_speedups:
        out.append(f"geometric mean speedup over {len(log_speedups)} benchmarks: "
                   f"{math.exp(sum(log_speedups) / len(log_speedups)):.3f}x")
    only_old = sorted(set(old) - set(new), key=sort_key)
    only_new = sorted(set(new) - set(old), key=sort_key)
    if only_old:
        out.append(f"only in {old_path}: {', '.join(only_old)}")
    if only_new:
        out.append(f"only in {new_path}: {', '.join(only_new)}")
    print("\n".join(out))


USAGE = "usage: report.py table FILE.json | report.py summary FILE.json | report.py compare OLD.json NEW.json"


def main(argv):
    try:
        if len(argv) == 2 and argv[0] == "table":
            table(argv[1])
        elif len(argv) == 2 and argv[0] == "summary":
            summary(argv[1])
        elif len(argv) == 3 and argv[0] == "compare":
            compare(argv[1], argv[2])
        else:
            print(USAGE, file=sys.stderr)
            return 2
    except UsageError as e:
        print(f"report.py: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
