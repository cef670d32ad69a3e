#!/usr/bin/env bash
# scripts/readme-results: rewrites the README blocks from a real report,
# --check sees a stale block, and bad READMEs or block arguments are
# refused with exit 2 and the line number.
# Usage: readme_results_test.sh SOURCE_DIR XMPPFUZZ
set -uo pipefail
src=$1 xmppfuzz=$2
script=$src/scripts/readme-results
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xmppfuzz-readme.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/out "$tmp"/err; do [[ -s $f ]] && { echo "--- $f:" >&2; head -30 "$f" >&2; }; done; exit 1; }
run() { "$script" --xmppfuzz "$xmppfuzz" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }

# A real report: the reference over the namespaces vectors, labelled.
"$xmppfuzz" conform --target inproc:expat --target inproc:libxml2 --label ref-expat --label ref-libxml2 \
  --suite "$src/conformance/vectors" --filter 'namespaces/*' --format json --out "$tmp/report.json" >/dev/null \
  || fail "conform did not write the report"
n=$(grep -c '^\[namespaces/' "$src"/conformance/vectors/namespaces/*.vec | awk -F: '{s += $NF} END {print s}')
[[ $n -gt 10 ]] || fail "only $n namespaces vectors"

cat >"$tmp/README.md" <<'MD'
# title

text before
<!-- xmppfuzz report --only 'ref-*' --parts summary -->
stale table
<!-- end xmppfuzz report -->
text between
<!-- xmppfuzz report --only 'ref-libxml2' --parts deviations -->
<!-- end xmppfuzz report -->
text after
MD
cp "$tmp/README.md" "$tmp/README.orig"

run --check --report "$tmp/report.json" "$tmp/README.md"
[[ $rc -eq 1 ]] || fail "--check on a stale README exited $rc, expected 1"
grep -qF -- '-stale table' "$tmp/out" || fail "--check printed no diff"
cmp -s "$tmp/README.md" "$tmp/README.orig" || fail "--check changed the README"

run --report "$tmp/report.json" "$tmp/README.md"
[[ $rc -eq 0 ]] || fail "rewrite exited $rc"
grep -qF "2 blocks rewritten" "$tmp/out" || fail "no 'rewritten' line"
grep -qF "| category | ref-expat | ref-libxml2 |" "$tmp/README.md" || fail "no summary header"
grep -qF "| namespaces | $n pass | $n pass |" "$tmp/README.md" || fail "the summary does not count $n passes on both"
grep -qF "No deviation: every applicable vector passed on every target." "$tmp/README.md" || fail "no deviations line"
grep -qF "stale table" "$tmp/README.md" && fail "the stale table is still there"
for line in "# title" "text before" "text between" "text after"; do
  grep -qxF "$line" "$tmp/README.md" || fail "'$line' was lost"
done
[[ $(grep -c '^<!-- end xmppfuzz report -->$' "$tmp/README.md") -eq 2 ]] || fail "end markers lost"

run --check --report "$tmp/report.json" "$tmp/README.md"
[[ $rc -eq 0 ]] || fail "--check after the rewrite exited $rc"
cp "$tmp/README.md" "$tmp/README.done"
run --report "$tmp/report.json" "$tmp/README.md"
cmp -s "$tmp/README.md" "$tmp/README.done" || fail "a second rewrite changed the README"

# Errors: exit 2 with the line.
printf 'a\n<!-- xmppfuzz report --parts summary -->\nno end\n' >"$tmp/open.md"
run --report "$tmp/report.json" "$tmp/open.md"
[[ $rc -eq 2 ]] && grep -qF "README line 2: block not closed" "$tmp/err" || fail "unclosed block: rc $rc"
printf '<!-- xmppfuzz report --only nothing -->\n<!-- end xmppfuzz report -->\n' >"$tmp/bad.md"
run --report "$tmp/report.json" "$tmp/bad.md"
[[ $rc -eq 2 ]] && grep -qF "no target in the reports matches --only" "$tmp/err" || fail "bad block args: rc $rc"
printf 'no blocks\n' >"$tmp/none.md"
run --report "$tmp/report.json" "$tmp/none.md"
[[ $rc -eq 2 ]] && grep -qF "has no '<!-- xmppfuzz report ARGS -->' block" "$tmp/err" || fail "no blocks: rc $rc"
run --report "$tmp/missing.json" "$tmp/README.md"
[[ $rc -eq 2 ]] && grep -qF "no report at" "$tmp/err" || fail "missing report: rc $rc"
echo "readme-results: ok"
