#!/usr/bin/python3
"""Checks the ClusterFuzzLite set-up: .github/workflows/cflite_*.yml and ci/.

  cflite_check.py ROOT           check the tree at ROOT; exit 1 with every problem
  cflite_check.py --self-test    check that broken copies are caught

What is checked: each workflow file is valid YAML with a name, triggers and
jobs; every step that uses a ClusterFuzzLite action names it as
google/clusterfuzzlite/actions/<build_fuzzers|run_fuzzers>@<ref>; the build's
language is ci/project.yaml's; the PR, continuous-build and batch workflows
build and run every sanitizer ci/project.yaml lists (and no other), each
run step with the sanitizer of the build before it; the modes are
code-change (PR), batch (batch), prune and coverage (cron); and
.clusterfuzzlite holds Dockerfile, build.sh and project.yaml.
"""
import copy
import os
import shutil
import sys
import tempfile

import yaml

ACTION = "google/clusterfuzzlite/actions/"
# workflow file -> the run_fuzzers modes it must have; sanitizers: whether its
# matrix must cover every sanitizer of project.yaml.
WORKFLOWS = {
    "cflite_pr.yml": ({"code-change"}, True),
    "cflite_build.yml": (set(), True),
    "cflite_batch.yml": ({"batch"}, True),
    "cflite_cron.yml": ({"prune", "coverage"}, False),
}


def triggers(doc):
    # PyYAML reads the bare key `on` as the boolean True.
    return doc.get("on", doc.get(True))


def expand(value, matrix):
    if isinstance(value, str) and value.strip().startswith("${{ matrix."):
        key = value.strip()[len("${{ matrix."):-2].strip()
        return matrix.get(key)
    return value


def check_workflow(name, doc, project, problems):
    want_modes, want_all = WORKFLOWS[name]
    if not isinstance(doc, dict):
        problems.append(f"{name}: not a YAML mapping")
        return
    for key in ("name", "jobs"):
        if key not in doc:
            problems.append(f"{name}: no '{key}'")
    if not triggers(doc):
        problems.append(f"{name}: no 'on' triggers")
    modes, sanitizers_seen = set(), set()
    for job_name, job in (doc.get("jobs") or {}).items():
        matrix = ((job.get("strategy") or {}).get("matrix") or {})
        combos = [{"sanitizer": s} for s in matrix.get("sanitizer", [])] or [{}]
        for combo in combos:
            built = None
            for step in job.get("steps") or []:
                uses = step.get("uses", "")
                if not uses.startswith(ACTION):
                    continue
                action, _, ref = uses[len(ACTION):].partition("@")
                if action not in ("build_fuzzers", "run_fuzzers") or not ref:
                    problems.append(f"{name}: job {job_name}: unknown action '{uses}'")
                    continue
                args = {k: expand(v, combo) for k, v in (step.get("with") or {}).items()}
                sanitizer = args.get("sanitizer", "address")
                if action == "build_fuzzers":
                    if args.get("language") != project.get("language"):
                        problems.append(f"{name}: job {job_name}: language {args.get('language')!r}, "
                                        f"project.yaml says {project.get('language')!r}")
                    built = sanitizer
                    if sanitizer != "coverage":
                        sanitizers_seen.add(sanitizer)
                else:
                    if built is None:
                        problems.append(f"{name}: job {job_name}: run_fuzzers before build_fuzzers")
                    elif built != sanitizer:
                        problems.append(f"{name}: job {job_name}: runs sanitizer {sanitizer} on a {built} build")
                    modes.add(args.get("mode", "code-change"))
    for mode in sorted(want_modes - modes):
        problems.append(f"{name}: no run_fuzzers step in mode '{mode}'")
    if want_all:
        want = set(project.get("sanitizers") or [])
        for s in sorted(want - sanitizers_seen):
            problems.append(f"{name}: sanitizer '{s}' of ci/project.yaml is never built")
        for s in sorted(sanitizers_seen - want):
            problems.append(f"{name}: sanitizer '{s}' is not in ci/project.yaml")


def check(root):
    problems = []
    cfl = os.path.join(root, ".clusterfuzzlite")
    for f in ("Dockerfile", "build.sh", "project.yaml"):
        if not os.path.isfile(os.path.join(cfl, f)):
            problems.append(f".clusterfuzzlite/{f} missing")
    try:
        with open(os.path.join(root, "ci", "project.yaml")) as fh:
            project = yaml.safe_load(fh) or {}
    except (OSError, yaml.YAMLError) as e:
        return problems + [f"ci/project.yaml: {e}"]
    for name in WORKFLOWS:
        path = os.path.join(root, ".github", "workflows", name)
        try:
            with open(path) as fh:
                doc = yaml.safe_load(fh)
        except OSError as e:
            problems.append(f"{name}: {e.strerror}")
            continue
        except yaml.YAMLError as e:
            problems.append(f"{name}: invalid YAML: {e}")
            continue
        check_workflow(name, doc, project, problems)
    return problems


def self_test(root):
    """Each mutation of a copy of the tree must produce a problem."""
    def mutate_file(rel, old, new):
        def apply(tmp):
            p = os.path.join(tmp, rel)
            with open(p) as fh:
                text = fh.read()
            assert old in text, f"self-test: '{old}' not in {rel}"
            with open(p, "w") as fh:
                fh.write(text.replace(old, new, 1))
        return apply
    cases = {
        "invalid YAML": mutate_file(".github/workflows/cflite_pr.yml", "jobs:", "jobs: [\n"),
        "sanitizer dropped from PR": mutate_file(".github/workflows/cflite_pr.yml",
                                                 "[address, undefined]", "[address]"),
        "new sanitizer in project.yaml": mutate_file("ci/project.yaml", "  - undefined",
                                                     "  - undefined\n  - memory"),
        "wrong mode in batch": mutate_file(".github/workflows/cflite_batch.yml",
                                           "mode: batch", "mode: code-change"),
        "no coverage job": mutate_file(".github/workflows/cflite_cron.yml", "mode: coverage", "mode: prune"),
        "wrong language": mutate_file(".github/workflows/cflite_build.yml", "language: c++", "language: c"),
        "missing workflow": lambda tmp: os.remove(os.path.join(tmp, ".github/workflows/cflite_cron.yml")),
    }
    failures = 0
    for label, apply in cases.items():
        with tempfile.TemporaryDirectory() as tmp:
            for d in (".github", "ci"):
                shutil.copytree(os.path.join(root, d), os.path.join(tmp, d))
            os.symlink("ci", os.path.join(tmp, ".clusterfuzzlite"))
            apply(tmp)
            found = check(tmp)
            print(f"self-test {label}: {'caught: ' + found[0] if found else 'NOT CAUGHT'}")
            failures += not found
    return failures


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return 1 if self_test(argv[2]) else 0
    if len(argv) != 2:
        print("usage: cflite_check.py ROOT | --self-test ROOT", file=sys.stderr)
        return 2
    problems = check(argv[1])
    for p in problems:
        print(f"cflite_check: {p}")
    if not problems:
        print(f"cflite_check: {len(WORKFLOWS)} workflows agree with ci/project.yaml")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
