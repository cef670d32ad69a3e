#!/usr/bin/env bash
# Command-line tests of `xmppfuzz conform`, one case per ctest entry (see
# CMakeLists.txt here). Each case writes what it needs (a small suite with a
# deliberately wrong expectation, expectations files) into a fresh
# temporary directory.
#
# Usage: conform_cli_test.sh CASE XMPPFUZZ REPORT_CHECK SOURCE_DIR
set -uo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: conform_cli_test.sh CASE XMPPFUZZ REPORT_CHECK SOURCE_DIR" >&2
  exit 2
fi
case_name=$1 xmppfuzz=$2 report_check=$3 source_dir=$4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xmppfuzz-conform-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL [$case_name]: $*" >&2
  for f in out err; do
    if [[ -s $tmp/$f ]]; then
      echo "--- std$f (first 40 lines):" >&2
      head -n 40 "$tmp/$f" >&2
    fi
  done
  exit 1
}

# conform ARGS...: runs `xmppfuzz conform ARGS` with stdout and stderr in
# $tmp/out and $tmp/err; sets $rc.
conform() {
  "$xmppfuzz" conform "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}

expect_rc() {
  [[ $rc -eq $1 ]] || fail "exit status $rc, expected $1"
}

# expect_in out|err TEXT: stdout or stderr contains TEXT.
expect_in() {
  grep -qF -- "$2" "$tmp/$1" || fail "std$1 lacks '$2'"
}

expect_not_in() {
  if grep -qF -- "$2" "$tmp/$1"; then fail "std$1 has '$2'"; fi
}

# expect_usage_error TEXT: exit 2, nothing on stdout, one line on stderr
# that starts with "xmppfuzz: " and contains TEXT.
expect_usage_error() {
  expect_rc 2
  [[ ! -s $tmp/out ]] || fail "stdout is not empty"
  [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "stderr has $(wc -l <"$tmp/err") lines, expected one"
  [[ $(head -c 10 "$tmp/err") == "xmppfuzz: " ]] || fail "stderr does not start with 'xmppfuzz: '"
  expect_in err "$1"
}

# A small suite: demo/good passes, demo/wrong expects a comment to be
# accepted (the reference refuses it), demo/lenient is refused with another
# condition than expected but lists it as acceptable.
write_suite() {
  mkdir -p "$tmp/suite/demo"
  cat >"$tmp/suite/demo/cases.vec" <<'EOF'
# Vectors for the command-line tests.

[demo/good]
description: a stanza the reference accepts
source: RFC 6120 section 8
input:
  <message/>
expect: accepted
events:
  stanza <message xmlns="jabber:client"/>

[demo/wrong]
description: a comment, wrongly expected to be accepted
source: RFC 6120 section 11.1 (restricted XML)
input:
  <message/><!-- x -->
expect: accepted
events:
  stanza <message xmlns="jabber:client"/>

[demo/lenient]
description: a comment, expected as bad-format with restricted-xml acceptable
source: RFC 6120 section 11.1 (restricted XML)
input:
  <message/><!-- x -->
expect: refused bad-format at-or-before 10
acceptable: refused restricted-xml -- the test says so
EOF
}

# The passing suite: the same without demo/wrong.
write_passing_suite() {
  write_suite
  awk '/^\[demo\/wrong\]/{skip=1} /^\[demo\/lenient\]/{skip=0} !skip' "$tmp/suite/demo/cases.vec" >"$tmp/cases"
  mv "$tmp/cases" "$tmp/suite/demo/cases.vec"
}

# total_row TARGET: the "total" row of TARGET's table in $tmp/out, as
# "pass fail acceptable known n/a".
total_row() {
  awk -v t="target $1:" '
    index($0, t) == 1 { inside = 1; next }
    /^target / { inside = 0 }
    inside && $1 == "total" { print $2, $3, $4, $5, $6; exit }' "$tmp/out"
}

case $case_name in
  inproc)
    # The shipped suite passes on every in-process target (kind: client
    # vectors, categories client-*, are played against client targets only).
    vectors=$(find "$source_dir"/conformance/vectors -name '*.vec' -not -path '*/vectors/client-*' -exec cat {} + | grep -c '^\[')
    [[ $vectors -ge 300 ]] || fail "only $vectors vectors in $source_dir/conformance/vectors"
    conform --target inproc:expat --target inproc:libxml2 --target inproc:native --suite "$source_dir/conformance/vectors"
    expect_rc 0
    for t in inproc:expat inproc:libxml2 inproc:native; do
      expect_in out "target $t: $vectors vectors"
      row=$(total_row "$t")
      [[ $row == "$vectors 0 0 0 0" ]] || fail "$t totals '$row', expected '$vectors 0 0 0 0'"
    done
    [[ $(grep -c '^  result: ok$' "$tmp/out") -eq 3 ]] || fail "not three 'result: ok' lines"
    expect_not_in out "FAIL"
    [[ ! -s $tmp/err ]] || fail "stderr is not empty"
    ;;

  default-targets)
    # Without --target both in-process targets run.
    write_passing_suite
    conform --suite "$tmp/suite"
    expect_rc 0
    expect_in out "target inproc:expat: 2 vectors"
    expect_in out "target inproc:libxml2: 2 vectors"
    ;;

  failing-vector)
    write_suite
    conform --target inproc:expat --suite "$tmp/suite"
    expect_rc 1
    row=$(total_row inproc:expat)
    [[ $row == "1 1 1 0 0" ]] || fail "totals '$row', expected '1 1 1 0 0'"
    expect_in out "  FAIL demo/wrong: expected accepted, got refused restricted-xml at 10"
    expect_in out "  acceptable demo/lenient: refused restricted-xml: the test says so"
    expect_in out "  result: FAIL"
    ;;

  passing-suite)
    write_passing_suite
    conform --target inproc:libxml2 --suite "$tmp/suite"
    expect_rc 0
    row=$(total_row inproc:libxml2)
    [[ $row == "1 0 1 0 0" ]] || fail "totals '$row', expected '1 0 1 0 0'"
    expect_in out "  result: ok"
    ;;

  filter)
    write_suite
    conform --target inproc:expat --suite "$tmp/suite" --filter 'demo/[gl]*'
    expect_rc 0
    expect_in out "target inproc:expat: 2 vectors"
    expect_not_in out "demo/wrong"
    ;;

  list)
    write_suite
    conform --suite "$tmp/suite" --list
    expect_rc 0
    [[ $(wc -l <"$tmp/out") -eq 3 ]] || fail "--list printed $(wc -l <"$tmp/out") lines, expected 3"
    expect_in out "demo/wrong  c2s authenticated  accepted  -- a comment, wrongly expected to be accepted"
    expect_in out "demo/lenient  c2s authenticated  refused bad-format at-or-before 10  -- "
    ;;

  json)
    write_suite
    conform --target inproc:expat --target inproc:libxml2 --suite "$tmp/suite" --format json
    expect_rc 1
    counts=$("$report_check" json "$tmp/out") || fail "the JSON report does not check: $counts"
    want="failed=true"
    want+=" inproc:expat:pass=1,fail=1,acceptable=1,known=0,n/a=0,vectors=3"
    want+=" inproc:libxml2:pass=1,fail=1,acceptable=1,known=0,n/a=0,vectors=3"
    [[ $counts == "$want" ]] || fail "JSON counts '$counts', expected '$want'"
    write_passing_suite
    conform --target inproc:expat --suite "$tmp/suite" --format json
    expect_rc 0
    counts=$("$report_check" json "$tmp/out") || fail "the JSON report does not check: $counts"
    want="failed=false inproc:expat:pass=1,fail=0,acceptable=1,known=0,n/a=0,vectors=2"
    [[ $counts == "$want" ]] || fail "JSON counts '$counts', expected '$want'"
    ;;

  junit-out)
    write_suite
    conform --target inproc:expat --suite "$tmp/suite" --format junit --out "$tmp/report.xml"
    expect_rc 1
    [[ -s $tmp/report.xml ]] || fail "--out did not write $tmp/report.xml"
    counts=$("$report_check" junit "$tmp/report.xml") || fail "the JUnit report does not check: $counts"
    want="tests=3 failures=1 skipped=0 suites=1 testcases=3 failure-elements=1"
    [[ $counts == "$want" ]] || fail "JUnit counts '$counts', expected '$want'"
    # With --out the text table still goes to stdout, and the XML does not.
    expect_in out "target inproc:expat: 3 vectors"
    expect_in out "  result: FAIL"
    expect_not_in out "<testsuites"
    ;;

  junit-stdout)
    write_passing_suite
    conform --target inproc:libxml2 --suite "$tmp/suite" --format junit
    expect_rc 0
    counts=$("$report_check" junit "$tmp/out") || fail "the JUnit report does not check: $counts"
    want="tests=2 failures=0 skipped=0 suites=1 testcases=2 failure-elements=0"
    [[ $counts == "$want" ]] || fail "JUnit counts '$counts', expected '$want'"
    ;;

  known-deviation)
    write_suite
    printf '# the reference refuses comments\ndemo/wrong refused restricted-xml -- it is the vector that is wrong\n' \
      >"$tmp/t.expect"
    conform --target inproc:expat --suite "$tmp/suite" --expect "$tmp/t.expect"
    expect_rc 0
    row=$(total_row inproc:expat)
    [[ $row == "1 0 1 1 0" ]] || fail "totals '$row', expected '1 0 1 1 0'"
    expect_in out "known deviations from $tmp/t.expect"
    expect_in out "  known demo/wrong: refused restricted-xml: it is the vector that is wrong"
    ;;

  known-deviation-passes)
    write_suite
    printf 'demo/wrong refused restricted-xml -- wrong vector\ndemo/good closed -- used to hang up\n' >"$tmp/t.expect"
    conform --target inproc:expat --suite "$tmp/suite" --expect "$tmp/t.expect"
    expect_rc 1
    expect_in out "  FAIL demo/good: known deviation 'closed' (expectations line 2) changed: now passes;"
    expect_in out "now passes; remove it from the expectations file"
    ;;

  stale-expect)
    write_passing_suite
    printf 'demo/gone accepted -- this vector was removed\n' >"$tmp/t.expect"
    conform --target inproc:expat --suite "$tmp/suite" --expect "$tmp/t.expect"
    expect_rc 1
    expect_in out "  FAIL $tmp/t.expect names vector 'demo/gone', which is not in the suite"
    expect_in out "  result: FAIL"
    conform --target inproc:expat --suite "$tmp/suite" --expect "$tmp/t.expect" --format json
    expect_rc 1
    counts=$("$report_check" json "$tmp/out") || fail "the JSON report does not check: $counts"
    [[ $counts == failed=true* ]] || fail "JSON '$counts' does not say failed=true"
    expect_in out '"stale_expectations": ['
    expect_in out '"demo/gone"'
    # A filter does not make the other vectors' lines stale.
    printf 'demo/lenient refused restricted-xml -- listed\n' >"$tmp/t.expect"
    conform --target inproc:expat --suite "$tmp/suite" --expect "$tmp/t.expect" --filter 'demo/good'
    expect_rc 0
    ;;

  label)
    # --label names a target in every report; the target itself stays.
    write_suite
    conform --target inproc:expat --target inproc:libxml2 --label ref-expat --label ref-libxml2 --suite "$tmp/suite"
    expect_rc 1
    expect_in out "target ref-expat (inproc:expat): 3 vectors"
    expect_in out "target ref-libxml2 (inproc:libxml2): 3 vectors"
    conform --target inproc:expat --label ref-expat --suite "$tmp/suite" --format json
    expect_in out '"label": "ref-expat"'
    expect_in out '"target": "inproc:expat"'
    conform --target inproc:expat --label ref-expat --suite "$tmp/suite" --format junit
    expect_in out 'testsuite name="ref-expat/demo"'
    conform --target inproc:expat --target inproc:libxml2 --label one --suite "$tmp/suite"
    expect_usage_error "give --label once per --target"
    conform --target inproc:expat --label 'has space' --suite "$tmp/suite"
    expect_usage_error "--label takes 1 to 64 letters"
    ;;

  report-merge)
    # Two runs merged by `xmppfuzz report` give the report one run of both
    # targets gives, in every format.
    write_suite
    printf 'demo/wrong refused restricted-xml -- the vector is wrong\n' >"$tmp/t.expect"
    both=(--target inproc:expat --target inproc:libxml2 --label a --label b --suite "$tmp/suite" --expect "$tmp/t.expect")
    for format in json text junit html markdown; do
      "$xmppfuzz" conform "${both[@]}" --format "$format" >"$tmp/both.$format" 2>"$tmp/err" || true
    done
    "$xmppfuzz" conform --target inproc:expat --label a --suite "$tmp/suite" --expect "$tmp/t.expect" \
      --format json --out "$tmp/a.json" >/dev/null
    rc=$?; expect_rc 0
    "$xmppfuzz" conform --target inproc:libxml2 --label b --suite "$tmp/suite" --expect "$tmp/t.expect" \
      --format json --out "$tmp/b.json" >/dev/null
    for format in json text junit html markdown; do
      "$xmppfuzz" report "$tmp/a.json" "$tmp/b.json" --suite "$tmp/suite" --format "$format" >"$tmp/out" 2>"$tmp/err"
      rc=$?; expect_rc 0
      cmp -s "$tmp/out" "$tmp/both.$format" || { diff "$tmp/both.$format" "$tmp/out" | head -20 >&2; fail "merged $format differs from one run's"; }
    done
    # --only keeps the matching targets (by label or target name).
    "$xmppfuzz" report "$tmp/a.json" "$tmp/b.json" --suite "$tmp/suite" --only 'inproc:libxml2' >"$tmp/out" 2>"$tmp/err"
    expect_in out "target b (inproc:libxml2)"
    expect_not_in out "target a "
    # --out writes the report and leaves the text table on stdout; --html too.
    "$xmppfuzz" report "$tmp/a.json" --suite "$tmp/suite" --format json --out "$tmp/m.json" --html "$tmp/m.html" >"$tmp/out" 2>"$tmp/err"
    rc=$?; expect_rc 0
    expect_in out "target a (inproc:expat): 3 vectors"
    grep -q '"label": "a"' "$tmp/m.json" || fail "--out JSON lacks the label"
    grep -q '<table id="matrix"' "$tmp/m.html" || fail "--html page lacks the matrix"
    # A failing target makes the merge exit 1.
    "$xmppfuzz" conform --target inproc:expat --suite "$tmp/suite" --format json --out "$tmp/f.json" >/dev/null
    "$xmppfuzz" report "$tmp/f.json" --suite "$tmp/suite" >"$tmp/out" 2>"$tmp/err"
    rc=$?; expect_rc 1
    expect_in out "  FAIL demo/wrong"
    ;;

  report-markdown)
    # The README's tables: summary counts, the deviations matrix with the
    # observed outcome, and the expectations file's reason.
    write_suite
    printf 'demo/wrong refused restricted-xml -- the vector is wrong (RFC 6120 11.1)\n' >"$tmp/t.expect"
    conform --target inproc:expat --label ref --suite "$tmp/suite" --expect "$tmp/t.expect" --format markdown
    expect_rc 0
    expect_in out "| category | ref |"
    expect_in out "| demo | 1 pass, 1 acc., 1 known |"
    expect_in out "| \`demo/wrong\` | refused restricted-xml at 10 |"
    expect_in out "- \`demo/wrong\` (ref): the vector is wrong (RFC 6120 11.1)"
    expect_not_in out "demo/good\`"
    "$xmppfuzz" conform --target inproc:expat --label ref --suite "$tmp/suite" --expect "$tmp/t.expect" \
      --format json --out "$tmp/r.json" >/dev/null
    "$xmppfuzz" report "$tmp/r.json" --suite "$tmp/suite" --format markdown --parts summary >"$tmp/out" 2>"$tmp/err"
    expect_in out "| total | 1 pass, 1 acc., 1 known |"
    expect_not_in out "demo/wrong"
    # A failure shows in bold in both tables.
    conform --target inproc:expat --label ref --suite "$tmp/suite" --format markdown
    expect_rc 1
    expect_in out "**1 FAIL**"
    expect_in out "**FAIL**: refused restricted-xml at 10"
    ;;

  report-usage)
    write_suite
    "$xmppfuzz" conform --target inproc:expat --suite "$tmp/suite" --format json --out "$tmp/r.json" >/dev/null
    run_report() { "$xmppfuzz" report "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
    run_report "$tmp/missing.json" --suite "$tmp/suite"
    expect_usage_error "cannot read '$tmp/missing.json'"
    printf 'not json' >"$tmp/bad.json"
    run_report "$tmp/bad.json" --suite "$tmp/suite"
    expect_usage_error "$tmp/bad.json: not JSON"
    printf '{"x": 1}' >"$tmp/bad.json"
    run_report "$tmp/bad.json" --suite "$tmp/suite"
    expect_usage_error "no \"targets\" array"
    # A report from another suite: an id it lacks, or another expectation.
    sed 's/"demo\/good"/"demo\/gone"/' "$tmp/r.json" >"$tmp/other.json"
    run_report "$tmp/other.json" --suite "$tmp/suite"
    expect_usage_error "vector 'demo/gone' is not in the suite"
    sed 's/"expected": "accepted"/"expected": "closed"/' "$tmp/r.json" >"$tmp/other.json"
    run_report "$tmp/other.json" --suite "$tmp/suite"
    expect_usage_error "expects 'closed' there but 'accepted' in the suite"
    sed 's/"verdict": "pass"/"verdict": "great"/' "$tmp/r.json" >"$tmp/other.json"
    run_report "$tmp/other.json" --suite "$tmp/suite"
    expect_usage_error "has no known verdict ('great')"
    # A field of the wrong type is a usage error, not an exception.
    sed 's/"live": false/"live": "no"/' "$tmp/r.json" >"$tmp/other.json"
    grep -q '"live": "no"' "$tmp/other.json" || fail "the live field was not rewritten"
    run_report "$tmp/other.json" --suite "$tmp/suite"
    [[ $rc -eq 0 || $rc -eq 1 ]] || fail "a string 'live' field: exit $rc"
    printf '{"targets": [{"target": 1, "vectors": []}]}' >"$tmp/bad.json"
    run_report "$tmp/bad.json" --suite "$tmp/suite"
    expect_usage_error 'needs "target" (a string)'
    run_report "$tmp/r.json" --suite "$tmp/suite" --only 'xmpp://*'
    expect_usage_error "no target in the reports matches --only"
    run_report "$tmp/r.json" --suite "$tmp/suite" --filter 'nothing/*'
    expect_usage_error "no vector in the reports matches 'nothing/*'"
    run_report "$tmp/r.json" --suite "$tmp/suite" --parts summary,tables
    expect_usage_error "--parts takes a comma-separated list"
    run_report "$tmp/r.json" --suite "$tmp/suite" --format pdf
    expect_usage_error "--format takes text, json, junit, html or markdown"
    run_report --suite "$tmp/suite"
    expect_usage_error "reports is required"
    ;;

  usage-unknown-target)
    write_suite
    conform --target inproc:bogus --suite "$tmp/suite"
    expect_usage_error "unknown target 'inproc:bogus'"
    conform --target tcp://127.0.0.1:5222 --suite "$tmp/suite"
    expect_usage_error "unknown target 'tcp://127.0.0.1:5222'"
    # Targets are checked before anything runs.
    conform --target inproc:expat --target nonsense --suite "$tmp/suite"
    expect_usage_error "unknown target 'nonsense'"
    ;;

  usage-unknown-format)
    write_suite
    conform --format xml --suite "$tmp/suite"
    expect_usage_error "--format takes text, json, junit, html or markdown, got 'xml'"
    ;;

  usage-non-loopback)
    write_suite
    for url in xmpp://192.0.2.1:5222 xmpp://10.0.0.1:5222/example.org; do
      conform --target "$url" --suite "$tmp/suite"
      expect_usage_error "is not a loopback address"
    done
    conform --target inproc:expat --target xmpp://192.0.2.7:5222 --suite "$tmp/suite"
    expect_usage_error "'192.0.2.7' is not a loopback address"
    ;;

  usage-missing-suite)
    conform --suite "$tmp/no-such-dir"
    expect_usage_error "suite directory '$tmp/no-such-dir' does not exist"
    ;;

  usage-bad-vector-file)
    write_suite
    printf '[demo/broken]\ndescription: d\nsource: s\ninput:\n  \\q\nexpect: accepted\nevents: none\n' \
      >"$tmp/suite/demo/broken.vec"
    conform --suite "$tmp/suite"
    expect_usage_error "$tmp/suite/demo/broken.vec:5: vector 'demo/broken': unknown escape '\\q'"
    ;;

  usage-bad-expect-file)
    write_suite
    printf '# c\ndemo/wrong refused made-up -- r\n' >"$tmp/t.expect"
    conform --suite "$tmp/suite" --expect "$tmp/t.expect"
    expect_usage_error "$tmp/t.expect:2: bad outcome 'refused made-up'"
    conform --suite "$tmp/suite" --expect "$tmp/missing.expect"
    expect_usage_error "cannot read '$tmp/missing.expect'"
    ;;

  usage-bad-options)
    write_suite
    conform --suite "$tmp/suite" --jobs 0
    expect_usage_error "--jobs takes 1 to 256"
    conform --suite "$tmp/suite" --jobs many
    expect_usage_error "--jobs"
    conform --suite "$tmp/suite" --timeout-ms 5
    expect_usage_error "--timeout-ms takes 100 to 600000"
    conform --suite "$tmp/suite" --no-such-option
    expect_usage_error "--no-such-option"
    conform --suite "$tmp/suite" --format
    expect_usage_error "--format"
    printf 'demo/wrong closed -- r\n' >"$tmp/t.expect"
    conform --suite "$tmp/suite" --target inproc:expat --target inproc:libxml2 \
      --expect "$tmp/t.expect" --expect "$tmp/t.expect" --expect "$tmp/t.expect"
    expect_usage_error "give --expect once (for every target) or once per --target"
    conform --suite "$tmp/suite" --format json --out "$tmp/no-such-dir/report.json"
    expect_usage_error "cannot write '$tmp/no-such-dir/report.json'"
    ;;

  # Issue 10, finding 5: output that cannot be written is an error (exit 2,
  # one line), for parse and conform, to a full device or a closed stdout.
  stdout-unwritable)
    write_passing_suite
    printf "<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><message/>" >"$tmp/s.xml"
    for target in /dev/full closed; do
      for cmd in "parse $tmp/s.xml" "conform --suite $tmp/suite" "conform --suite $tmp/suite --list" \
                 "conform --suite $tmp/suite --format json --out $tmp/r.json"; do
        # shellcheck disable=SC2086
        if [[ $target == closed ]]; then
          "$xmppfuzz" $cmd >&- 2>"$tmp/err"
        else
          "$xmppfuzz" $cmd >/dev/full 2>"$tmp/err"
        fi
        rc=$?
        [[ $rc -eq 2 ]] || fail "'$cmd' to $target: exit status $rc, expected 2"
        [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "'$cmd' to $target: stderr has $(wc -l <"$tmp/err") lines"
        expect_in err "xmppfuzz: cannot write standard output"
      done
    done
    ;;

  # Issue 10, finding 9: usage mistakes get their own message and leave no
  # --out file behind.
  usage-misc)
    write_suite
    mkdir "$tmp/expect-dir"
    conform --suite "$tmp/suite" --expect "$tmp/expect-dir"
    expect_usage_error "--expect '$tmp/expect-dir' is a directory, not an expectations file"
    conform --suite "$tmp/suite/demo/cases.vec"
    expect_usage_error "suite '$tmp/suite/demo/cases.vec' is not a directory"
    conform --suite "$tmp/suite" --format yaml --out "$tmp/left.json"
    expect_usage_error "--format takes text, json, junit, html or markdown"
    [[ ! -e $tmp/left.json ]] || fail "a run refused for bad usage left '$tmp/left.json' behind"
    conform --suite "$tmp/suite" --expect "$tmp/missing.expect" --out "$tmp/left.json"
    expect_usage_error "cannot read '$tmp/missing.expect'"
    [[ ! -e $tmp/left.json ]] || fail "a run refused for a missing --expect left '$tmp/left.json' behind"
    printf "<?xml version='1.0'?>" >"$tmp/s.xml"
    for seed in -1 +5 ' 5' '5 ' 0x5 ''; do
      "$xmppfuzz" parse --chunk "random:$seed" "$tmp/s.xml" >"$tmp/out" 2>"$tmp/err"
      rc=$?
      expect_usage_error "--chunk random:SEED needs a decimal seed"
    done
    for n in +5 ' 5' -3; do
      "$xmppfuzz" parse --chunk "$n" "$tmp/s.xml" >"$tmp/out" 2>"$tmp/err"
      rc=$?
      expect_usage_error "--chunk takes a positive byte count"
    done
    "$xmppfuzz" parse --chunk random:5 "$tmp/s.xml" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_rc 0
    ;;

  # The real parsers with their default settings: --write-expect writes
  # what they did, a run with that file passes, and a line that no longer
  # says what the parser does fails the run.
  default-parsers)
    write_suite
    for t in inproc:expat-default inproc:libxml2-default; do
      conform --target "$t" --suite "$tmp/suite" --write-expect "$tmp/d.expect"
      expect_rc 1
      [[ $(grep -vc '^#' "$tmp/d.expect") -eq 2 ]] || fail "$t: --write-expect wrote $(grep -vc '^#' "$tmp/d.expect") lines"
      grep -qF 'demo/wrong dropped -- exposure: markup skipped silently - ' "$tmp/d.expect" ||
        fail "$t: no dropped line for demo/wrong"
      grep -qF 'demo/lenient dropped -- exposure: markup skipped silently - ' "$tmp/d.expect" ||
        fail "$t: no dropped line for demo/lenient"
      conform --target "$t" --suite "$tmp/suite" --expect "$tmp/d.expect"
      expect_rc 0
      row=$(total_row "$t")
      [[ $row == "1 0 0 2 0" ]] || fail "$t totals '$row', expected '1 0 0 2 0'"
      sed -i 's/^demo\/wrong dropped /demo\/wrong accepted /' "$tmp/d.expect"
      conform --target "$t" --suite "$tmp/suite" --expect "$tmp/d.expect"
      expect_rc 1
      expect_in out "FAIL demo/wrong: known deviation 'accepted' (expectations line 4) changed: now dropped"
    done
    conform --suite "$tmp/suite" --write-expect "$tmp/d.expect"
    expect_usage_error "--write-expect takes one --target"
    ;;

  exec)
    # exec-persistent: an adapter that wraps `xmppfuzz parse` gives every
    # XML vector of the shipped suite the verdict, observed outcome and
    # events inproc:expat gives it; the other kinds are n/a.
    adapters=$source_dir/tests/conformance/exec_adapters
    wrapper="/usr/bin/python3 $adapters/parse_persistent.py $xmppfuzz"
    conform --target inproc:expat --target "exec-persistent:$wrapper" --suite "$source_dir/conformance/vectors" \
      --exec-timeout-ms 20000 --format json --out "$tmp/r.json"
    expect_rc 0
    expect_in out "target exec-persistent:$wrapper: "
    expect_in out " vectors, implementation xmppfuzz-parse"
    /usr/bin/python3 - "$tmp/r.json" <<'PY' || fail "exec-persistent and inproc:expat disagree"
import json, sys
targets = json.load(open(sys.argv[1]))["targets"]
ref, exe = targets[0]["vectors"], targets[1]["vectors"]
assert [v["id"] for v in ref] == [v["id"] for v in exe]
played = 0
for r, e in zip(ref, exe):
    if e["verdict"] == "n/a":
        assert "XML vectors only" in e["message"], e
        continue
    played += 1
    for key in ("verdict", "observed", "events"):
        assert r[key] == e[key], (r["id"], key, r[key], e[key])
assert played >= 300, played
assert targets[1]["summary"]["fail"] == 0, targets[1]["summary"]
assert targets[1]["implementation"] == "xmppfuzz-parse", targets[1].get("implementation")
assert "implementation" not in targets[0]
PY
    # One-shot mode on a part of the suite, with the same verdicts.
    conform --target inproc:expat --target "exec:$adapters/parse_once.sh $xmppfuzz" --exec-jobs 2 \
      --suite "$source_dir/conformance/vectors" --filter 'restricted-xml/*'
    expect_rc 0
    [[ $(total_row inproc:expat) == $(total_row "exec:$adapters/parse_once.sh $xmppfuzz") ]] ||
      fail "exec: totals '$(total_row "exec:$adapters/parse_once.sh $xmppfuzz")', inproc:expat '$(total_row inproc:expat)'"
    # A hanging adapter: every vector hung, exit 1, quickly.
    write_passing_suite
    conform --target "exec-persistent:$adapters/hang.sh" --suite "$tmp/suite" --exec-timeout-ms 200
    expect_rc 1
    expect_in out "FAIL demo/good: expected accepted, got hung"
    ;;

  differential)
    # xmppfuzz differential with a server adapter whose re-serialisation
    # forgets to escape text (a routed message carries a second one, the bug
    # class of CVE-2022-22784) and a faithful client: one new difference,
    # minimized, in every report; listed as known, the run exits 0.
    adapters=$source_dir/tests/conformance/exec_adapters
    planted="planted=exec-persistent:/usr/bin/python3 $adapters/parse_persistent.py $xmppfuzz --route-unescaped"
    faithful="faithful=exec-persistent:/usr/bin/python3 $adapters/parse_persistent.py $xmppfuzz --route"
    mkdir -p "$tmp/in"
    printf '%s' "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'><message to='bob@localhost'><body>hi &lt;/body&gt;&lt;/message&gt;&lt;message to='eve@localhost'&gt;&lt;body&gt;x</body></message>" >"$tmp/in/smuggle.xml"
    "$xmppfuzz" differential --no-suite --inputs "$tmp/in" --server "$planted" --client "$faithful" \
      --out "$tmp/d" --minimize-tries 200 >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_rc 1
    expect_in out "differential: 1 inputs (1 seeds, 0 mutants)"
    expect_in out "1 kinds of difference: 1 new, 0 known, 1 letting a stanza through that the server did not route"
    expect_in out "NEW   smuggled-stanza planted>reference  [SMUGGLING]"
    expect_in out "; first extra stanza '<message xmlns=\"jabber:client\""
    expect_in err "differential: minimizing 1/1: smuggled-stanza planted>reference"
    for f in differential.txt differential.json differential.html; do [[ -s $tmp/d/$f ]] || fail "no $f"; done
    dir=$(ls -d "$tmp"/d/findings/001-smuggled-stanza_planted_reference) || fail "no findings directory"
    cmp -s "$dir/input.bin" "$tmp/in/smuggle.xml" || fail "input.bin is not the input"
    [[ $(stat -c %s "$dir/minimized.bin") -lt $(stat -c %s "$dir/input.bin") ]] || fail "not minimized"
    grep -qF '&lt;' "$dir/minimized.bin" || fail "the minimized input lost the trigger"
    /usr/bin/python3 - "$tmp/d/differential.json" "$dir/minimized.bin" <<'PY' || fail "differential.json"
import json, sys
d = json.load(open(sys.argv[1]))["differential"]
assert d["inputs"] == 1 and d["seed_inputs"] == 1, d
assert [a["name"] for a in d["adapters"]] == ["planted", "faithful"], d["adapters"]
assert all(a["implementation"] == "xmppfuzz-parse" for a in d["adapters"]), d["adapters"]
[f] = d["findings"]
assert f["key"] == "smuggled-stanza planted>reference" and f["smuggling"] and f["known"] is None, f
assert bytes.fromhex(f["minimized_hex"]) == open(sys.argv[2], "rb").read()
PY
    # The HTML page, and its section in `xmppfuzz report`.
    grep -qF "smuggled-stanza planted&gt;reference <strong>smuggling</strong>" "$tmp/d/differential.html" ||
      fail "differential.html lacks the finding"
    conform --target inproc:expat --filter 'namespaces/*' --format json --out "$tmp/r.json"
    "$xmppfuzz" report "$tmp/r.json" --format html --differential "$tmp/d/differential.json" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_rc 0
    expect_in out '<section class="differential" id="differential">'
    # Known: exit 0, and the text says why.
    printf 'smuggled-stanza planted>* -- the planted bug of this test\n' >"$tmp/known"
    "$xmppfuzz" differential --no-suite --inputs "$tmp/in" --server "$planted" --client "$faithful" \
      --expect "$tmp/known" --minimize-tries 10 >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_rc 0
    expect_in out "known smuggled-stanza planted>reference  [SMUGGLING]"
    expect_in out "  known: the planted bug of this test"
    ;;

  usage-differential)
    differential() { "$xmppfuzz" differential "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
    differential
    expect_usage_error "differential needs at least one --server NAME=TARGET or --client NAME=TARGET"
    differential --server exec:cat
    expect_usage_error "--server takes NAME=TARGET"
    differential --client reference=exec:cat
    expect_usage_error "not 'reference'"
    differential --server "a=xmpp://127.0.0.1:5222"
    expect_usage_error "--server a: the target must be exec:COMMAND or exec-persistent:COMMAND"
    differential --server a=exec:cat --client a=exec:cat
    expect_usage_error "two adapters are named 'a'"
    differential --server a=exec:cat --no-suite
    expect_usage_error "no inputs: give --suite, --corpus or --inputs"
    differential --server a=exec:cat --inputs "$tmp/nothing-here"
    expect_usage_error "is neither a file nor a directory"
    printf 'extra-stanzas a -- typo\n' >"$tmp/bad.expect"
    differential --server a=exec:cat --expect "$tmp/bad.expect"
    expect_usage_error "bad.expect:1: unknown difference kind 'extra-stanzas' (xmppfuzz differential --list-kinds)"
    printf 'kw="\\q"\n' >"$tmp/bad.dict"
    differential --server a=exec:cat --dict "$tmp/bad.dict"
    expect_usage_error "bad.dict:1: bad escape"
    differential --server "a=exec-persistent:$source_dir/tests/conformance/exec_adapters/no_handshake.sh silent" \
      --exec-start-timeout-ms 200
    expect_usage_error "--server a: exec-persistent:"
    for opt in "--time 99999999" "--max-input-bytes 1" "--exec-timeout-ms 5" "--inputs-side both" "--progress-seconds 0"; do
      # shellcheck disable=SC2086
      differential --server a=exec:cat $opt
      expect_usage_error "${opt%% *} takes"
    done
    differential --list-kinds
    expect_rc 0
    expect_in out "smuggled-stanza  "
    [[ $(wc -l <"$tmp/out") -eq 17 ]] || fail "--list-kinds printed $(wc -l <"$tmp/out") kinds"
    ;;

  usage-exec)
    write_passing_suite
    conform --target exec: --suite "$tmp/suite"
    expect_usage_error "target 'exec:' names no command (exec:COMMAND, exec-persistent:COMMAND)"
    conform --target "exec-persistent:   " --suite "$tmp/suite"
    expect_usage_error "names no command"
    conform --target "exec-persistent:$source_dir/tests/conformance/exec_adapters/no_handshake.sh silent" \
      --suite "$tmp/suite" --exec-start-timeout-ms 200
    expect_usage_error "the adapter did not start: no handshake line ('xmppfuzz-exec 1 NAME') within 200 ms"
    conform --target "exec-persistent:$source_dir/tests/conformance/exec_adapters/no_handshake.sh exit" \
      --suite "$tmp/suite"
    expect_usage_error "the adapter did not start: the adapter closed its stdout before the handshake and exited with status 3 (stderr: 'no parser here\x0A')"
    for opt in "--exec-timeout-ms 5" "--exec-start-timeout-ms 0" "--exec-max-answer-mib 0" "--exec-jobs 65"; do
      # shellcheck disable=SC2086
      conform --target "exec:cat" --suite "$tmp/suite" $opt
      expect_usage_error "${opt%% *} takes"
    done
    conform --target nope --suite "$tmp/suite"
    expect_usage_error "exec:COMMAND, exec-persistent:COMMAND)"
    "$xmppfuzz" conform --help >"$tmp/out" 2>&1
    for opt in --exec-timeout-ms --exec-start-timeout-ms --exec-max-answer-mib --exec-jobs exec-persistent:COMMAND; do
      expect_in out "$opt"
    done
    ;;

  usage-no-match)
    write_suite
    conform --suite "$tmp/suite" --filter 'other/*'
    expect_usage_error "no vector in '$tmp/suite' matches 'other/*'"
    ;;

  *)
    echo "conform_cli_test.sh: unknown case '$case_name'" >&2
    exit 2
    ;;
esac
echo "ok [$case_name]"
