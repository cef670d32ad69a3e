#!/usr/bin/env bash
# The HTML report of real `xmppfuzz conform` runs, rendered by headless
# Chromium (Debian's chromium): the DOM the browser builds must hold the
# matrix with one row per category plus the total and one column per target,
# one row per deviation, no <script> element, and a hostile string from a
# vector (markup and control bytes) as escaped text.
#
# Usage: report_html_chromium_test.sh XMPPFUZZ REPORT_CHECK SOURCE_DIR
# Exit 77 (ctest: skipped) when chromium is not installed.
set -uo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: report_html_chromium_test.sh XMPPFUZZ REPORT_CHECK SOURCE_DIR" >&2
  exit 2
fi
xmppfuzz=$1 report_check=$2 source_dir=$3

chromium=$(command -v chromium || true)
if [[ -z $chromium ]]; then
  echo "skipped because: chromium is not installed (scripts/test installs Debian's chromium when run as root)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xmppfuzz-html.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in out err dom; do
    [[ -s $tmp/$f ]] && { echo "--- $f (first 30 lines):" >&2; head -n 30 "$tmp/$f" >&2; }
  done
  exit 1
}

# render PAGE: the DOM headless Chromium builds from PAGE, in $tmp/dom.
render() {
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$tmp/profile" --dump-dom "file://$1" >"$tmp/dom" 2>"$tmp/chromium-err" ||
    fail "chromium could not render $1: $(tail -n 5 "$tmp/chromium-err")"
  [[ -s $tmp/dom ]] || fail "chromium dumped an empty DOM for $1"
}

# 1. A real run: the well-formedness vectors on the reference (all pass).
"$xmppfuzz" conform --target inproc:expat --filter 'well-formedness/*' --suite "$source_dir/conformance/vectors" \
  --format html --out "$tmp/wf.html" >"$tmp/out" 2>"$tmp/err"
rc=$?
[[ $rc -eq 0 ]] || fail "conform on well-formedness/*: exit status $rc"
grep -q '^target inproc:expat: ' "$tmp/out" || fail "with --out the text table does not go to stdout"
vectors=$(cat "$source_dir"/conformance/vectors/well-formedness/*.vec | grep -c '^\[')
render "$tmp/wf.html"
got=$("$report_check" html "$tmp/dom") || fail "the DOM does not check: $got"
want="matrix-rows=2 matrix-cols=2 deviation-rows=0 na-rows=0 scripts=0"
[[ $got == "$want" ]] || fail "DOM of the well-formedness run: '$got', expected '$want'"
grep -qF '<th>inproc:expat</th>' "$tmp/dom" || fail "the matrix has no inproc:expat column"
grep -qF "<b>$vectors</b> pass" "$tmp/dom" || fail "the matrix does not count $vectors passes"

# 2. A run with a failure, a known deviation and a hostile vector, on the
# reference and on Expat with its defaults (two columns).
mkdir -p "$tmp/suite/demo" "$tmp/suite/other"
cat >"$tmp/suite/demo/cases.vec" <<'EOF'
[demo/good]
description: a stanza every target accepts
source: RFC 6120 section 8
input:
  <message/>
expect: accepted
events:
  stanza <message xmlns="jabber:client"/>

[demo/comment]
description: a comment, listed as a known deviation for the reference
source: RFC 6120 section 11.1 (restricted XML)
input:
  <message/><!-- x -->
expect: accepted
events:
  stanza <message xmlns="jabber:client"/>

[demo/hostile]
description: expected events that carry markup and control bytes into the report
source: issue 14 (the HTML report escapes what vectors and peers say)
input:
  <presence/>
expect: accepted
events:
  stanza <script>alert(1)</script>\x1B[31m\x07
EOF
cat >"$tmp/suite/other/one.vec" <<'EOF'
[other/pi]
description: a processing instruction
source: RFC 6120 section 11.1 (restricted XML)
input:
  <?x y?>
expect: refused restricted-xml at-or-before 0
EOF
printf 'demo/comment refused restricted-xml -- the reference refuses comments\n' >"$tmp/ref.expect"
printf '# nothing known\n' >"$tmp/none.expect"
"$xmppfuzz" conform --target inproc:expat --target inproc:expat-default --suite "$tmp/suite" \
  --expect "$tmp/ref.expect" --expect "$tmp/none.expect" --format html --out "$tmp/mixed.html" >"$tmp/out" 2>"$tmp/err"
rc=$?
[[ $rc -eq 1 ]] || fail "the mixed run: exit status $rc, expected 1"
render "$tmp/mixed.html"
got=$("$report_check" html "$tmp/dom") || fail "the DOM does not check: $got"
# Rows: demo, other, total. Deviations: inproc:expat fails demo/hostile and
# knows demo/comment; Expat with its defaults drops the comment and the PI
# and fails demo/hostile.
want="matrix-rows=3 matrix-cols=3 deviation-rows=5 na-rows=0 scripts=0"
[[ $got == "$want" ]] || fail "DOM of the mixed run: '$got', expected '$want'"
grep -qF '<th>inproc:expat-default</th>' "$tmp/dom" || fail "the matrix has no inproc:expat-default column"
grep -qF '<td>known</td>' "$tmp/dom" || fail "no known deviation row"
grep -qF '<td>fail</td>' "$tmp/dom" || fail "no fail row"
grep -qF 'demo/comment' "$tmp/dom" || fail "no row for demo/comment"
# The hostile events are text: escaped markup, control bytes written out.
grep -qF 'stanza &lt;script&gt;alert(1)&lt;/script&gt;\x1B[31m\x07' "$tmp/dom" ||
  fail "the hostile vector's events are not shown escaped"
if LC_ALL=C grep -q $'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' "$tmp/mixed.html" "$tmp/dom"; then
  fail "a raw control byte reached the page"
fi
if grep -qi '<script' "$tmp/mixed.html"; then fail "the page has a <script"; fi
echo "ok: chromium rendered both reports ($got)"
