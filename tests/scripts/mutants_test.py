#!/usr/bin/python3
"""ctest scripts.mutants: the mutant generator of scripts/mutate
(scripts/lib/mutants.py) on the fixture tests/mutate/fixture.cc.

Checks that the site list is deterministic and is exactly
tests/mutate/fixture.expected, that every operator class gives the mutant it
should, that nothing inside a string, a comment or a macro is mutated, that
apply writes exactly the one change (and refuses a site that does not match
the file), and that keys survive lines moving.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../.."))
gen = os.path.join(root, "scripts/lib/mutants.py")
fixture_rel = "tests/mutate/fixture.cc"
failures = []

try:
    import clang.cindex  # noqa: F401
except ImportError:
    print("SKIP: python3-clang-14 is not installed (scripts/lib/common.sh XMPPFUZZ_PKGS_MUTATE)")
    sys.exit(77)


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def sites(base, rel=fixture_rel):
    out = subprocess.run(["/usr/bin/python3", gen, "list", "--root", base, os.path.join(base, rel)],
                         check=True, capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


first = sites(root)
second = sites(root)
check(first == second, "two listings of the fixture differ")
ids = [s["id"] for s in first]
with open(os.path.join(root, "tests/mutate/fixture.expected")) as fh:
    expected = [l.rstrip("\n") for l in fh if l.strip()]
check(ids == expected, "site list differs from fixture.expected:\n  got:\n    " + "\n    ".join(ids))

# One expected mutant per operator class.
for want in [
    "tests/mutate/fixture.cc:20:30 rel < -> <=",          # boundary
    "tests/mutate/fixture.cc:20:30 rel < -> >=",          # negation
    "tests/mutate/fixture.cc:26:9 rel == -> !=",
    "tests/mutate/fixture.cc:44:12 rel != -> ==",
    "tests/mutate/fixture.cc:20:21 logic && -> ||",
    "tests/mutate/fixture.cc:23:40 logic || -> &&",
    "tests/mutate/fixture.cc:23:43 logic ! -> (removed)",
    "tests/mutate/fixture.cc:43:15 bool true -> false",
    "tests/mutate/fixture.cc:44:15 bool false -> true",
    "tests/mutate/fixture.cc:26:12 literal 7 -> 6",
    "tests/mutate/fixture.cc:26:12 literal 7 -> 8",
    "tests/mutate/fixture.cc:42:9 literal 0x1F -> 0x20",  # base and case kept
    "tests/mutate/fixture.cc:20:10 return value >= 0 && value < limit -> !(value >= 0 && value < limit)",
    "tests/mutate/fixture.cc:26:22 return Code::kBad -> {}",
    "tests/mutate/fixture.cc:32:10 return std::string(\"name\") -> {}",
    "tests/mutate/fixture.cc:41:3 stmt Touch() -> (void)0",
    "tests/mutate/fixture.cc:42:3 stmt out = 0x1F -> (void)0",
    "tests/mutate/fixture.cc:15:16 stmt counter++ -> (void)0",
]:
    check(want in ids, "missing mutant: " + want)
# Returns that are already the default value are no mutants.
for unwanted in ["return Code::kOk -> {}", "return std::nullopt -> {}"]:
    check(not any(unwanted in i for i in ids), "equivalent mutant generated: " + unwanted)

# Nothing inside the comments, the string or the macro's definition.
with open(os.path.join(root, fixture_rel), "rb") as fh:
    data = fh.read()
text = data.decode()
forbidden = []
for needle in ['"value < limit && true || false == 0"', "/* x <= 3 is a comment */",
               "#define FIXTURE_LESS(a, b) ((a) < (b))"]:
    at = text.index(needle)
    forbidden.append((at, at + len(needle)))
at = text.index("// Fixture")
forbidden.append((at, text.index("#include")))
for s in first:
    for lo, hi in forbidden:
        check(not (s["start"] < hi and s["start"] + s["length"] > lo),
              "site inside a string, comment or macro: " + s["id"])
    check(data[s["start"]:s["start"] + s["length"]].decode() == s["original"], "original text mismatch: " + s["id"])

# Keys are unique.
keys = [s["key"] for s in first]
check(len(keys) == len(set(keys)), "duplicate keys")

with tempfile.TemporaryDirectory() as tmp:
    os.makedirs(os.path.join(tmp, "tests/mutate"))
    copy = os.path.join(tmp, fixture_rel)
    # apply: exactly one change.
    site = next(s for s in first if s["id"] == "tests/mutate/fixture.cc:20:30 rel < -> >=")
    out = copy + ".out"
    subprocess.run(["/usr/bin/python3", gen, "apply", "--site", json.dumps(site), os.path.join(root, fixture_rel), out],
                   check=True)
    with open(out) as fh:
        mutated = fh.read()
    check(mutated == text.replace("value >= 0 && value < limit;", "value >= 0 && value >= limit;"),
          "apply did not write exactly the one change")
    # apply refuses a site whose original text is not at its offset.
    bad = dict(site, start=site["start"] + 1)
    r = subprocess.run(["/usr/bin/python3", gen, "apply", "--site", json.dumps(bad), os.path.join(root, fixture_rel), out],
                       capture_output=True, text=True)
    check(r.returncode != 0 and "expected" in r.stderr, "apply accepted a site that does not match the file")
    # Keys stay when lines above move; line numbers do not.
    with open(copy, "w") as fh:
        fh.write("// one more line\n// and another\n" + text)
    moved = sites(tmp)
    check([s["key"] for s in moved] == keys, "keys changed when lines moved")
    check([s["line"] for s in moved] == [s["line"] + 2 for s in first], "line numbers did not follow the move")

print("%d sites checked, %d failures" % (len(first), len(failures)))
sys.exit(1 if failures else 0)
