#!/usr/bin/python3
"""Checks scripts/coverage's table generator (scripts/lib/coverage_table.py)
on a real llvm-cov export, without a coverage build of the project.

  coverage_test.py ROOT

A small program with three "components" (targets/alpha, targets/beta,
targets/gamma) and a main.cc outside targets/ is compiled here with clang 14
-fprofile-instr-generate -fcoverage-mapping and run once; its profile is
merged with llvm-profdata-14 and exported with llvm-cov-14 as
scripts/coverage does. Asserted: each component's line, branch and function
counts and percentages (worked out from the program below), that main.cc is
left out, the least-covered functions in order with their uncovered lines
(and that every function's line counts are those of llvm-cov's own
`report -show-functions`), template instantiations as one group, no
disagreement warning, exit 1 on a broken export, and scripts/coverage's
usage errors (exit 2). Exit 77 (skipped) when clang-14 or llvm-14 is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
TOOLS = ("clang++-14", "llvm-profdata-14", "llvm-cov-14")

# Each statement on its own line, so that llvm-cov's line counts can be read
# off the text: a function's lines run from its signature to its closing
# brace.
SOURCES = {
    # alpha_sign(5) runs the `if` body only: 6 lines, line 5 missed; one of
    # its two branches. alpha_unused never runs: 5 lines missed.
    # alpha_twice runs: 1 line. Lines 6/12, branches 1/2, functions 2/3.
    "targets/alpha/alpha.cc": """int alpha_sign(int x) {
  if (x > 0) {
    return 1;
  }
  return -1;
}

int alpha_unused(int x) {
  int y = x * 2;
  y += 3;
  return y;
}

int alpha_twice(int x) { return 2 * x; }
""",
    # beta_add runs: lines 3/3, no branches, functions 1/1.
    "targets/beta/beta.cc": """int beta_add(int a, int b) {
  return a + b;
}
""",
    # gamma_pick<int> and gamma_pick<double> are one group of 6 lines (line
    # 6 missed in both) and one function; gamma_use(3) misses the two lines
    # of its `if` body (10 lines, the lambda's counted in them as llvm-cov
    # does); the lambda never runs (4 lines). Lines 5/6 + 8/14 = 13/20,
    # branches 1/2 + 1/2, functions 2/3 (the lambda is not run).
    "targets/gamma/gamma.h": """template <typename T>
T gamma_pick(T a, T b, bool first) {
  if (first) {
    return a;
  }
  return b;
}
""",
    "targets/gamma/gamma.cc": """#include "gamma.h"

int gamma_use(int n) {
  auto twice = [](int v) {
    int w = v;
    return w * 2;
  };
  if (n < 0) {
    return twice(n);
  }
  return gamma_pick(n, 1, true) + static_cast<int>(gamma_pick(2.0, 3.0, true));
}
""",
    # Outside targets/: not in any component.
    "main.cc": """int alpha_sign(int);
int alpha_twice(int);
int beta_add(int, int);
int gamma_use(int);
int main() { return alpha_sign(5) + alpha_twice(1) + beta_add(1, 2) + gamma_use(3) == 100; }
""",
}

# component -> (lines covered, lines, branches covered, branches, functions covered, functions)
EXPECTED_COMPONENTS = {
    "alpha": (6, 12, 1, 2, 2, 3),
    "beta": (3, 3, 0, 0, 1, 1),
    "gamma": (13, 20, 2, 4, 2, 3),
}
# The functions with uncovered lines, most first (ties by file and line):
# (demangled name, file:line, uncovered, lines, symbols).
EXPECTED_FUNCTIONS = [
    ("alpha_unused(int)", "targets/alpha/alpha.cc:8", 5, 5, 1),
    ("gamma_use(int)::$_0::operator()(int) const", "targets/gamma/gamma.cc:4", 4, 4, 1),
    ("gamma_use(int)", "targets/gamma/gamma.cc:3", 2, 10, 1),
    ("alpha_sign(int)", "targets/alpha/alpha.cc:1", 1, 6, 1),
    ("int gamma_pick<int>(int, int, bool)", "targets/gamma/gamma.h:2", 1, 6, 2),
]

failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def must(cmd, **kw):
    r = run(cmd, **kw)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r


def llvm_report_functions(prog, profdata, targets):
    """{mangled name: (lines, missed lines)} from llvm-cov report -show-functions."""
    r = must(["llvm-cov-14", "report", prog, "-instr-profile", profdata, "-show-functions", targets])
    out = {}
    for line in r.stdout.splitlines():
        cols = line.split()
        # Name Regions Miss Cover Lines Miss Cover Branches Miss Cover
        if len(cols) == 10 and re.fullmatch(r"\d+", cols[4]) and cols[0] != "TOTAL":
            out[cols[0]] = (int(cols[4]), int(cols[5]))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: coverage_test.py ROOT")
    root = os.path.abspath(sys.argv[1])
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print(f"skipped because: {', '.join(missing)} not installed (apt-get install clang-14 llvm-14)")
        return SKIP
    table = os.path.join(root, "scripts/lib/coverage_table.py")
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in SOURCES.items():
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), "w") as f:
                f.write(text)
        prog = os.path.join(tmp, "prog")
        srcs = [os.path.join(tmp, rel) for rel in SOURCES if rel.endswith(".cc")]
        must(["clang++-14", "-O0", "-fprofile-instr-generate", "-fcoverage-mapping", "-o", prog] + srcs)
        env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(tmp, "prog-%p.profraw"))
        run([prog], env=env)  # main's status is whatever the sum gives; only the profile matters
        raws = [os.path.join(tmp, n) for n in os.listdir(tmp) if n.endswith(".profraw")]
        check(len(raws) == 1, "the program wrote one profile")
        profdata = os.path.join(tmp, "prog.profdata")
        must(["llvm-profdata-14", "merge", "-sparse", "-o", profdata] + raws)
        targets = os.path.join(tmp, "targets")
        cov = ["-instr-profile", profdata, prog, targets]
        summary = os.path.join(tmp, "summary.json")
        export = os.path.join(tmp, "export.json")
        with open(summary, "w") as f:
            f.write(must(["llvm-cov-14", "export", "-summary-only"] + cov).stdout)
        with open(export, "w") as f:
            f.write(must(["llvm-cov-14", "export"] + cov).stdout)

        text_out, json_out = os.path.join(tmp, "coverage.txt"), os.path.join(tmp, "coverage.json")
        r = run([table, "--root", tmp, "--summary", summary, "--export", export,
                 "--text", text_out, "--json", json_out])
        check(r.returncode == 0, f"the table generator exits 0 (got {r.returncode}: {r.stderr.strip()})")
        check(r.stderr == "", f"no warning: the functions' lines add up to llvm-cov's per-file lines ({r.stderr.strip()!r})")
        with open(text_out) as f:
            check(f.read() == r.stdout, "coverage.txt is what was printed")
        with open(json_out) as f:
            doc = json.load(f)

        comps = {c["component"]: c for c in doc["components"]}
        check(sorted(comps) == sorted(EXPECTED_COMPONENTS),
              f"components are targets/<component>/ only, main.cc left out: {sorted(comps)}")
        for name, (lc, ln, bc, bn, fc, fn) in EXPECTED_COMPONENTS.items():
            c = comps.get(name)
            if c is None:
                continue
            got = (c["lines"]["covered"], c["lines"]["count"], c["branches"]["covered"], c["branches"]["count"],
                   c["functions"]["covered"], c["functions"]["count"])
            check(got == (lc, ln, bc, bn, fc, fn), f"{name}: counts {got}, wanted {(lc, ln, bc, bn, fc, fn)}")
            for kind, cov_n, n in (("lines", lc, ln), ("branches", bc, bn), ("functions", fc, fn)):
                want = round(100.0 * cov_n / n, 2) if n else None
                check(c[kind]["percent"] == want, f"{name}: {kind} {c[kind]['percent']}%, wanted {want}")
        total = doc["total"]
        lines = sum(v[0] for v in EXPECTED_COMPONENTS.values()), sum(v[1] for v in EXPECTED_COMPONENTS.values())
        check((total["lines"]["covered"], total["lines"]["count"]) == lines and
              total["lines"]["percent"] == round(100.0 * lines[0] / lines[1], 2),
              f"total lines {total['lines']}, wanted {lines}")
        check("| alpha | 1 | 50.00% (6/12) | 50.00% (1/2) | 66.67% (2/3) |" in r.stdout,
              "the text table shows alpha's percentages and counts")
        check("| beta | 1 | 100.00% (3/3) | - |" in r.stdout, "no branches is '-', not 0%")

        got = [(f["function"], f"{f['file']}:{f['line']}", f["uncovered_lines"], f["lines"], f["symbols"])
               for f in doc["least_covered_functions"]]
        check(got == EXPECTED_FUNCTIONS, f"least-covered functions {got}")
        theirs = llvm_report_functions(prog, profdata, targets)
        for f in doc["least_covered_functions"]:
            # llvm-cov names a function with internal linkage "<file>:<symbol>".
            want = next((v for k, v in theirs.items() if k == f["mangled"] or k.endswith(":" + f["mangled"])), None)
            check(want == (f["lines"], f["uncovered_lines"]),
                  f"{f['mangled']}: {f['lines']} lines, {f['uncovered_lines']} missed; llvm-cov report says {want}")

        r = run([table, "--root", tmp, "--summary", summary, "--export", export, "--functions", "2"])
        check(r.returncode == 0 and r.stdout.count("| `") == 2, "--functions 2 lists two functions")

        broken = os.path.join(tmp, "broken.json")
        with open(broken, "w") as f:
            f.write('{"data": [')
        r = run([table, "--root", tmp, "--summary", broken, "--export", export])
        check(r.returncode == 1 and "broken.json" in r.stderr, f"a broken export exits 1 naming it ({r.returncode})")
        r = run([table, "--root", os.path.join(tmp, "elsewhere"), "--summary", summary, "--export", export])
        check(r.returncode == 1 and "no file under" in r.stderr, f"no file under ROOT/targets exits 1 ({r.returncode})")
        r = run([table, "--summary", summary])
        check(r.returncode == 2, f"the generator's bad usage exits 2 ({r.returncode})")

    script = os.path.join(root, "scripts/coverage")
    for args, what in ((["--bogus"], "unknown option"), (["--out"], "--out without a directory"),
                       (["--functions", "many"], "--functions not a number"), (["extra"], "a stray argument")):
        r = run([script] + args)
        check(r.returncode == 2 and "usage: scripts/coverage" in r.stderr,
              f"scripts/coverage {' '.join(args)}: {what} exits 2 with the usage ({r.returncode})")
    r = run([script, "--help"])
    check(r.returncode == 0 and "--no-build" in r.stdout, "scripts/coverage --help exits 0 and describes the options")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
