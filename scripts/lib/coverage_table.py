#!/usr/bin/python3
"""Per-component coverage table and least-covered functions from llvm-cov.

  coverage_table.py --root ROOT --summary SUMMARY.json --export FULL.json
                    [--functions N] [--text OUT.txt] [--json OUT.json]

SUMMARY.json is `llvm-cov export -summary-only` and FULL.json a plain
`llvm-cov export` of the same profile and binaries. A component is a
directory ROOT/targets/<component>/: its line, branch, function and region
counts are the sums of llvm-cov's own per-file summaries of the files under
it (headers included); files outside ROOT/targets/ are left out. The N least
covered functions (default 10) are those with the most uncovered lines, from
FULL.json's function records: a function's lines are the lines its body spans
in its file, less those of functions nested in it (lambdas), each counted as
llvm-cov counts a line (mapped or not, executed or not) from the file's
segments; the symbols of one body (template instantiations, a
constructor's complete and base-object symbols) count once.

Prints the table (Markdown) and the functions on stdout, and writes them to
--text and, as JSON, to --json. A file whose line count computed from its
segments differs from llvm-cov's summary is reported on stderr (the function
line counts would then be off). Exit status: 0 ok, 1 unreadable or malformed
input, 2 bad usage.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

KINDS = ("lines", "branches", "functions", "regions")


class InputError(Exception):
    pass


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: {e}") from e
    if not isinstance(doc, dict) or not doc.get("data"):
        raise InputError(f"{path}: not an llvm-cov export (no data)")
    return doc["data"][0]


def component_of(filename, targets):
    """component_of returns (component, relative path) for a file under
    targets/<component>/, or None for any other file."""
    path = os.path.normpath(filename)
    if not path.startswith(targets + os.sep):
        return None
    rel = path[len(targets) + 1:]
    parts = rel.split(os.sep)
    if len(parts) < 2:
        return None
    return parts[0], "targets/" + rel


def percent(covered, count):
    return round(100.0 * covered / count, 2) if count else None


def add(total, summary):
    for kind in KINDS:
        s = summary.get(kind, {})
        total[kind]["count"] += s.get("count", 0)
        total[kind]["covered"] += s.get("covered", 0)


def empty_counts():
    return {kind: {"count": 0, "covered": 0} for kind in KINDS}


def finish(counts):
    for kind in KINDS:
        c = counts[kind]
        c["percent"] = percent(c["covered"], c["count"])
    return counts


def components_from(summary_data, targets):
    comps = {}
    for f in summary_data.get("files", []):
        where = component_of(f["filename"], targets)
        if where is None:
            continue
        comp = comps.setdefault(where[0], {"files": 0, **empty_counts()})
        comp["files"] += 1
        add(comp, f["summary"])
    total = {"files": 0, **empty_counts()}
    rows = []
    for name in sorted(comps):
        c = comps[name]
        total["files"] += c["files"]
        for kind in KINDS:
            total[kind]["count"] += c[kind]["count"]
            total[kind]["covered"] += c[kind]["covered"]
        rows.append({"component": name, **finish(c)})
    return rows, finish(total)


# Region kinds in llvm-cov's export (CounterMappingRegion::RegionKind).
CODE, EXPANSION, SKIPPED, GAP = 0, 1, 2, 3


def line_stats(segments):
    """line_stats returns {line: execution count} for every mapped line, from
    segments (line, col, count, has_count, is_region_entry, is_gap_region),
    the way llvm-cov's LineCoverageIterator and LineCoverageStats count them:
    the segment wrapping into a line from the lines before it, and the
    regions that start on it."""
    stats = {}
    segs = sorted(segments, key=lambda s: (s[0], s[1]))
    if not segs:
        return stats
    i, wrapped, current = 0, None, []
    line = segs[0][0]
    while i < len(segs):
        if current:
            wrapped = current[-1]
        current = []
        while i < len(segs) and segs[i][0] == line:
            current.append(segs[i])
            i += 1
        starts = [s for s in current if s[3] and s[4] and not s[5]]
        skipped = bool(current) and not current[0][3] and current[0][4]
        mapped = not skipped and ((wrapped is not None and wrapped[3]) or bool(starts))
        if mapped:
            count = wrapped[2] if wrapped is not None else 0
            for s in starts:
                count = max(count, s[2])
            stats[line] = count
        line += 1
    return stats


class Region:
    __slots__ = ("start", "end", "count", "kind")

    def __init__(self, r):
        self.start, self.end, self.count, self.kind = (r[0], r[1]), (r[2], r[3]), r[4], r[7]


def segments_of(regions):
    """segments_of returns the segments of one function's regions in one file,
    as llvm-cov's SegmentBuilder builds them (sort nested regions, combine
    duplicates, then open and close segments as regions start and end)."""
    regions = sorted(regions, key=lambda r: (r.start, tuple(-x for x in r.end), r.kind))
    combined = []
    for r in regions:
        if combined and combined[-1].start == r.start and combined[-1].end == r.end:
            if r.kind == combined[-1].kind:
                combined[-1].count += r.count
            continue
        combined.append(r)
    segs = []

    def start_segment(region, loc, entry, emit_skipped=False):
        has_count = not emit_skipped and region.kind != SKIPPED
        if segs and not entry and not emit_skipped:
            last = segs[-1]
            if last[3] == has_count and last[2] == region.count and not last[4]:
                return
        if has_count:
            segs.append((loc[0], loc[1], region.count, True, entry, region.kind == GAP))
        else:
            segs.append((loc[0], loc[1], 0, False, entry, False))

    active = []

    def complete_until(loc, first_completed):
        done = sorted(active[first_completed:], key=lambda r: r.end)
        active[first_completed:] = done
        for i in range(first_completed + 1, len(active)):
            region = active[i]
            seg_loc = active[i - 1].end
            if loc is not None and seg_loc == loc:
                break
            if seg_loc == region.end:
                continue
            for j in range(i + 1, len(active)):
                if region.end == active[j].end:
                    region = active[j]
            start_segment(region, seg_loc, False)
        last = active[-1]
        if first_completed and last.end != loc:
            start_segment(active[first_completed - 1], last.end, False)
        elif not first_completed and (loc is None or loc != last.end):
            start_segment(last, last.end, False, True)
        del active[first_completed:]

    for idx, r in enumerate(combined):
        still = [a for a in active if not a.end <= r.start]
        ended = [a for a in active if a.end <= r.start]
        if ended:
            active[:] = still + ended
            complete_until(r.start, len(still))
        gap = r.kind == GAP
        if r.start == r.end:
            skipped = idx + 1 == len(combined) or r.kind == SKIPPED
            start_segment(active[-1] if active else r, r.start, not gap, skipped)
            if skipped and active:
                start_segment(active[-1], r.start, False)
            continue
        if idx + 1 == len(combined) or r.start != combined[idx + 1].start:
            start_segment(r, r.start, not gap)
        active.append(r)
    if active:
        complete_until(None, 0)
    return segs


def main_file_id(fn):
    # The function's own file: the first file that no expansion region expands.
    expanded = {r[6] for r in fn["regions"] if r[7] == EXPANSION}
    for i in range(len(fn["filenames"])):
        if i not in expanded:
            return i
    return None


def function_lines(fn, file_id):
    """function_lines returns (lines, covered lines) of one function, as
    llvm-cov's per-function report counts them."""
    segs = segments_of([Region(r) for r in fn["regions"] if r[5] == file_id])
    stats = line_stats(segs)
    return len(stats), sum(1 for c in stats.values() if c > 0)


def demangle(names):
    tool = shutil.which("llvm-cxxfilt-14") or shutil.which("c++filt")
    if not tool or not names:
        return list(names)
    out = subprocess.run([tool], input="\n".join(names) + "\n", capture_output=True, text=True)
    lines = out.stdout.splitlines()
    return lines if out.returncode == 0 and len(lines) == len(names) else list(names)


# Spelled-out standard types, shortened in the table (the JSON keeps the
# mangled name too).
SHORT_NAMES = (
    ("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string"),
    ("std::basic_string_view<char, std::char_traits<char> >", "std::string_view"),
    ("[abi:cxx11]", ""),
)


def shorten(name):
    for long, short in SHORT_NAMES:
        name = name.replace(long, short)
    return name


def split_name(name):
    # A function with internal linkage is named "<file>:<mangled name>".
    m = re.match(r"^(.+\.(?:cc|cpp|cxx|c|h|hh|hpp)):(.+)$", name)
    return m.group(2) if m else name


def functions_from(full_data, targets, limit):
    """functions_from returns the `limit` functions under targets/ with the
    most uncovered lines, and {file: (lines, covered)} summed over its
    functions. Functions starting at one place of one file (template
    instantiations, a constructor's complete and base-object symbols) are one
    group, counted as llvm-cov counts an instantiation group: the most lines
    and the most covered lines of any of them."""
    groups = {}
    for fn in full_data.get("functions", []):
        if not fn.get("regions") or not fn.get("filenames"):
            continue
        fid = main_file_id(fn)
        if fid is None:
            continue
        filename = os.path.normpath(fn["filenames"][fid])
        if component_of(filename, targets) is None:
            continue
        own = [r for r in fn["regions"] if r[5] == fid]
        if not own:
            continue
        start = min((r[0], r[1]) for r in own)
        lines, covered = function_lines(fn, fid)
        g = groups.setdefault((filename, start), {"names": [], "count": 0, "lines": 0, "covered": 0})
        g["names"].append(split_name(fn["name"]))
        g["count"] += fn.get("count", 0)
        g["lines"] = max(g["lines"], lines)
        g["covered"] = max(g["covered"], covered)

    per_file = {}
    result = []
    for (filename, start), g in groups.items():
        f = per_file.setdefault(filename, [0, 0])
        f[0] += g["lines"]
        f[1] += g["covered"]
        result.append({**g, "file": filename, "line": start[0], "uncovered": g["lines"] - g["covered"]})

    result.sort(key=lambda e: (-e["uncovered"], e["file"], e["line"]))
    top = [e for e in result if e["uncovered"] > 0][:limit]
    shown = demangle([e["names"][0] for e in top])
    out = []
    for e, name in zip(top, shown):
        out.append({
            "function": shorten(name),
            "mangled": e["names"][0],
            "symbols": len(e["names"]),
            "file": component_of(e["file"], targets)[1],
            "line": e["line"],
            "lines": e["lines"],
            "uncovered_lines": e["uncovered"],
            "executions": e["count"],
        })
    return out, {k: tuple(v) for k, v in per_file.items()}


def check_lines(summary_data, per_file, targets):
    """check_lines returns the files whose line counts summed over their
    functions differ from llvm-cov's summary (the per-function counts would
    then not be llvm-cov's)."""
    problems = []
    for f in summary_data.get("files", []):
        name = os.path.normpath(f["filename"])
        where = component_of(name, targets)
        if where is None:
            continue
        mine = per_file.get(name, (0, 0))
        theirs = (f["summary"]["lines"]["count"], f["summary"]["lines"]["covered"])
        if mine != theirs:
            problems.append(f"{where[1]}: its functions give {mine[1]}/{mine[0]} lines, "
                            f"llvm-cov's summary {theirs[1]}/{theirs[0]}")
    return problems


def cell(c):
    if not c["count"]:
        return "-"
    return f"{c['percent']:.2f}% ({c['covered']}/{c['count']})"


def render(rows, total, functions):
    out = ["| component | files | lines | branches | functions | regions |",
           "|---|--:|--:|--:|--:|--:|"]
    for r in rows + [{"component": "**total**", **total}]:
        out.append(f"| {r['component']} | {r['files']} | " +
                   " | ".join(cell(r[k]) for k in KINDS[:3] + ("regions",)) + " |")
    if functions:
        out += ["", f"Least-covered functions under targets/ (by uncovered lines, {len(functions)}):", "",
                "| function | where | uncovered lines | executions |",
                "|---|---|--:|--:|"]
        for f in functions:
            inst = f" ({f['symbols']} symbols)" if f["symbols"] > 1 else ""
            out.append(f"| `{f['function']}`{inst} | {f['file']}:{f['line']} | "
                       f"{f['uncovered_lines']}/{f['lines']} | {f['executions']} |")
    return "\n".join(out) + "\n"


def main(argv):
    p = argparse.ArgumentParser(prog="coverage_table.py", description=__doc__.splitlines()[0])
    p.add_argument("--root", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--export", required=True)
    p.add_argument("--functions", type=int, default=10)
    p.add_argument("--text")
    p.add_argument("--json")
    args = p.parse_args(argv)
    if args.functions < 0:
        p.error("--functions must be 0 or more")
    targets = os.path.normpath(os.path.join(os.path.abspath(args.root), "targets"))
    try:
        summary = load(args.summary)
        full = load(args.export)
        rows, total = components_from(summary, targets)
        functions, per_file = functions_from(full, targets, args.functions)
    except (InputError, KeyError, TypeError, IndexError) as e:
        print(f"coverage_table.py: {e}", file=sys.stderr)
        return 1
    if not rows:
        print(f"coverage_table.py: no file under {targets} in {args.summary}", file=sys.stderr)
        return 1
    for problem in check_lines(summary, per_file, targets):
        print(f"coverage_table.py: warning: {problem}", file=sys.stderr)
    text = render(rows, total, functions)
    sys.stdout.write(text)
    if args.text:
        with open(args.text, "w", encoding="utf-8") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"components": rows, "total": total, "least_covered_functions": functions}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
