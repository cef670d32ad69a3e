#!/usr/bin/env bash
# Command-line tests of `xmppfuzz sasl`, one case per ctest entry (see
# CMakeLists.txt here): the RFC 5802 section 5 and RFC 7677 section 3
# exchanges reproduced byte for byte with fixed nonces, our client against
# our server through two fifos, refusals with their sasl::Error codes, bad
# and oversize input lines, write failures and usage errors.
#
# Usage: sasl_cli_test.sh CASE XMPPFUZZ
set -uo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: sasl_cli_test.sh CASE XMPPFUZZ" >&2
  exit 2
fi
case_name=$1 xmppfuzz=$2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xmppfuzz-sasl-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL [$case_name]: $*" >&2
  for f in out err in; do
    if [[ -s $tmp/$f ]]; then
      echo "--- $f (first 20 lines):" >&2
      head -n 20 "$tmp/$f" | cat -A >&2
    fi
  done
  exit 1
}

b64() { printf '%s' "$1" | base64 -w0; }

# sasl ARGS...: runs `xmppfuzz sasl ARGS` with $tmp/in on stdin, stdout and
# stderr in $tmp/out and $tmp/err; sets $rc. Bounded by timeout(1).
sasl() {
  timeout 60 "$xmppfuzz" sasl "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}

expect_rc() {
  [[ $rc -eq $1 ]] || fail "exit status $rc, expected $1"
}

expect_in() {
  grep -qF -- "$2" "$tmp/$1" || fail "$1 lacks '$2'"
}

expect_not_in() {
  if grep -qF -- "$2" "$tmp/$1"; then fail "$1 has '$2'"; fi
}

# expect_out LINE...: stdout is exactly these lines.
expect_out() {
  printf '%s\n' "$@" >"$tmp/want"
  cmp -s "$tmp/want" "$tmp/out" || { diff "$tmp/want" "$tmp/out" >&2; fail "stdout differs from the expected lines"; }
}

# expect_failure TEXT: exit 1, one line on stderr starting "xmppfuzz: sasl: "
# that contains TEXT (a sasl::Error name), and no secret on either stream.
expect_failure() {
  expect_rc 1
  [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "stderr has $(wc -l <"$tmp/err") lines, expected one"
  [[ $(head -c 16 "$tmp/err") == "xmppfuzz: sasl: " ]] || fail "stderr does not start with 'xmppfuzz: sasl: '"
  expect_in err "$1"
  expect_not_in err pencil
  expect_not_in out pencil
}

# expect_usage_error TEXT: exit 2, nothing on stdout, one line on stderr.
expect_usage_error() {
  expect_rc 2
  [[ ! -s $tmp/out ]] || fail "stdout is not empty"
  [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "stderr has $(wc -l <"$tmp/err") lines, expected one"
  [[ $(head -c 10 "$tmp/err") == "xmppfuzz: " ]] || fail "stderr does not start with 'xmppfuzz: '"
  expect_in err "$1"
}

# RFC 5802 section 5 (SCRAM-SHA-1) and RFC 7677 section 3 (SCRAM-SHA-256).
rfc5802_cf='n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'
rfc5802_sf='r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'
rfc5802_cfin='c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts='
rfc5802_sfin='v=rmF9pqV8S7suAoZWja4dJRkFsKQ='
rfc7677_cf='n,,n=user,r=rOprNGfwEbeRWgbNEkqO'
rfc7677_sf='r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'
rfc7677_cfin='c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='
rfc7677_sfin='v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='

sha1_server=(--server --mechanism SCRAM-SHA-1 --user user --password pencil --salt QSXCR+Q6sek8bf92
  --nonce 3rfcNHYJY1ZVvWVs7j)
sha1_client=(--client --mechanism SCRAM-SHA-1 --user user --password pencil --nonce fyko+d2lbbFgONRv9qkxdawL)
sha256_server=(--server --mechanism SCRAM-SHA-256 --user user --password pencil --salt W22ZaJ0SNY7soEsUEjb6gQ==
  '--nonce=%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0')
sha256_client=(--client --mechanism SCRAM-SHA-256 --user user --password pencil --nonce rOprNGfwEbeRWgbNEkqO)

# loop CLIENT_ARGS -- SERVER_ARGS: our client against our server through two
# fifos; sets $crc and $src, client output/err in $tmp/c.out/.err, server's
# in $tmp/s.out/.err.
loop() {
  local -a cargs=() sargs=()
  while [[ $1 != -- ]]; do cargs+=("$1"); shift; done
  shift
  sargs=("$@")
  mkfifo "$tmp/c2s" "$tmp/s2c"
  timeout 60 "$xmppfuzz" sasl "${sargs[@]}" <"$tmp/c2s" >"$tmp/s2c" 2>"$tmp/s.err" &
  local spid=$!
  timeout 60 "$xmppfuzz" sasl "${cargs[@]}" <"$tmp/s2c" 2>"$tmp/c.err" | tee "$tmp/c.out" >"$tmp/c2s"
  crc=${PIPESTATUS[0]}
  wait "$spid"
  src=$?
  rm -f "$tmp/c2s" "$tmp/s2c"
}

: >"$tmp/in"
case $case_name in
  rfc5802-server)
    printf '%s\n' SCRAM-SHA-1 "$(b64 "$rfc5802_cf")" "$(b64 "$rfc5802_cfin")" >"$tmp/in"
    sasl "${sha1_server[@]}"
    expect_rc 0
    expect_out SCRAM-SHA-1 "" "$(b64 "$rfc5802_sf")" "$(b64 "$rfc5802_sfin")"
    [[ ! -s $tmp/err ]] || fail "stderr is not empty"
    ;;
  rfc5802-client)
    printf '%s\n' SCRAM-SHA-1 "" "$(b64 "$rfc5802_sf")" "$(b64 "$rfc5802_sfin")" >"$tmp/in"
    sasl "${sha1_client[@]}"
    expect_rc 0
    expect_out SCRAM-SHA-1 "$(b64 "$rfc5802_cf")" "$(b64 "$rfc5802_cfin")" ""
    [[ ! -s $tmp/err ]] || fail "stderr is not empty"
    ;;
  rfc7677-server)
    printf '%s\n' SCRAM-SHA-256 "$(b64 "$rfc7677_cf")" "$(b64 "$rfc7677_cfin")" "" >"$tmp/in"
    sasl "${sha256_server[@]}"
    expect_rc 0
    expect_out SCRAM-SHA-256 "" "$(b64 "$rfc7677_sf")" "$(b64 "$rfc7677_sfin")"
    ;;
  rfc7677-client)
    printf '%s\n' SCRAM-SHA-256 "" "$(b64 "$rfc7677_sf")" "$(b64 "$rfc7677_sfin")" >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_rc 0
    expect_out SCRAM-SHA-256 "$(b64 "$rfc7677_cf")" "$(b64 "$rfc7677_cfin")" ""
    ;;
  rfc7677-wrong-signature)
    # RFC 5802 section 9: the client must verify v=; one flipped bit fails.
    printf '%s\n' SCRAM-SHA-256 "" "$(b64 "$rfc7677_sf")" "$(b64 'v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')" >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure server-signature-mismatch
    ;;
  rfc7677-wrong-proof)
    # The server refuses a proof made with another password and sends
    # e=invalid-proof (RFC 5802 section 7).
    printf '%s\n' SCRAM-SHA-256 "$(b64 "$rfc7677_cf")" \
      "$(b64 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVA=')" >"$tmp/in"
    sasl "${sha256_server[@]}"
    expect_failure "proof-mismatch server-error=invalid-proof"
    expect_out SCRAM-SHA-256 "" "$(b64 "$rfc7677_sf")" "$(b64 'e=invalid-proof')"
    ;;
  server-error-received)
    printf '%s\n' SCRAM-SHA-256 "" "$(b64 "$rfc7677_sf")" "$(b64 'e=invalid-proof')" >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure "server-error-received server-error=invalid-proof"
    ;;
  nonce-not-extended)
    # RFC 5802 section 5.1: the server nonce must start with the client's
    # and add to it.
    printf '%s\n' SCRAM-SHA-256 "" "$(b64 'r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')" >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure nonce-not-extended
    ;;
  iterations-too-low)
    printf '%s\n' SCRAM-SHA-256 "" "$(b64 'r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095')" >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure iterations-too-low
    ;;
  loop-sha1 | loop-sha256 | loop-sha512)
    mech=SCRAM-SHA-${case_name#loop-sha}
    loop --client --mechanism "$mech" --user 'us,er=x' --password 'pen cil' -- \
      --server --mechanism "$mech" --user 'us,er=x' --password 'pen cil' --iterations 4096
    [[ $crc -eq 0 && $src -eq 0 ]] || { cat "$tmp/c.err" "$tmp/s.err" >&2; fail "client $crc, server $src, expected 0 0"; }
    [[ $(sed -n 1p "$tmp/c.out") == "$mech" ]] || fail "client's first line is not $mech"
    sed -n 2p "$tmp/c.out" | base64 -d | grep -qF 'n,,n=us=2Cer=3Dx,r=' || fail "client-first does not escape the user name"
    ;;
  loop-plus)
    for t in tls-unique tls-server-end-point tls-exporter; do
      loop --client --mechanism SCRAM-SHA-256-PLUS --user user --password pencil --cb-type "$t" --cb-data 00112233 -- \
        --server --mechanism SCRAM-SHA-256-PLUS --user user --password pencil --cb-type "$t" --cb-data 00112233
      [[ $crc -eq 0 && $src -eq 0 ]] || { cat "$tmp/c.err" "$tmp/s.err" >&2; fail "$t: client $crc, server $src, expected 0 0"; }
      sed -n 2p "$tmp/c.out" | base64 -d | grep -qF "p=$t,,n=user,r=" || fail "$t: client-first lacks p=$t"
    done
    ;;
  loop-cb-mismatch)
    # RFC 5802 section 6: c= must carry the server's own binding data.
    loop --client --mechanism SCRAM-SHA-256-PLUS --user user --password pencil --cb-type tls-exporter --cb-data 00112233 -- \
      --server --mechanism SCRAM-SHA-256-PLUS --user user --password pencil --cb-type tls-exporter --cb-data 00112234
    [[ $src -eq 1 && $crc -eq 1 ]] || fail "client $crc, server $src, expected 1 1"
    grep -qF 'channel-binding-mismatch server-error=channel-bindings-dont-match' "$tmp/s.err" || fail "server: $(cat "$tmp/s.err")"
    grep -qF 'server-error-received server-error=channel-bindings-dont-match' "$tmp/c.err" || fail "client: $(cat "$tmp/c.err")"
    ;;
  loop-y-downgrade)
    # RFC 5802 section 6: a server that supports binding refuses 'y'.
    loop --client --mechanism SCRAM-SHA-256 --user user --password pencil --cb-type tls-exporter --cb-data 00112233 -- \
      --server --mechanism SCRAM-SHA-256 --user user --password pencil --cb-type tls-exporter --cb-data 00112233
    [[ $src -eq 1 && $crc -eq 1 ]] || fail "client $crc, server $src, expected 1 1"
    grep -qF 'server-error=server-does-support-channel-binding' "$tmp/s.err" || fail "server: $(cat "$tmp/s.err")"
    ;;
  loop-wrong-password)
    loop --client --mechanism SCRAM-SHA-512 --user user --password pencil -- \
      --server --mechanism SCRAM-SHA-512 --user user --password pencil2
    [[ $src -eq 1 && $crc -eq 1 ]] || fail "client $crc, server $src, expected 1 1"
    grep -qF 'proof-mismatch server-error=invalid-proof' "$tmp/s.err" || fail "server: $(cat "$tmp/s.err")"
    grep -qF 'server-error-received server-error=invalid-proof' "$tmp/c.err" || fail "client: $(cat "$tmp/c.err")"
    if grep -qF pencil "$tmp/s.err" "$tmp/c.err"; then fail "a password appears on stderr"; fi
    ;;
  loop-unknown-user)
    loop --client --mechanism SCRAM-SHA-256 --user someone --password pencil -- \
      --server --mechanism SCRAM-SHA-256 --user user --password pencil
    [[ $src -eq 1 && $crc -eq 1 ]] || fail "client $crc, server $src, expected 1 1"
    grep -qF 'unknown-user' "$tmp/s.err" || fail "server: $(cat "$tmp/s.err")"
    ;;
  loop-plain)
    loop --client --mechanism PLAIN --user user --password pencil -- --server --mechanism PLAIN --user user --password pencil
    [[ $crc -eq 0 && $src -eq 0 ]] || { cat "$tmp/c.err" "$tmp/s.err" >&2; fail "client $crc, server $src, expected 0 0"; }
    [[ $(sed -n 2p "$tmp/c.out" | base64 -d | od -An -c | tr -s ' ') == " \0 u s e r \0 p e n c i l" ]] ||
      fail "PLAIN message is not NUL user NUL pencil"
    loop --client --mechanism PLAIN --user user --password pencil -- --server --mechanism PLAIN --user user --password other
    [[ $crc -eq 1 && $src -eq 1 ]] || fail "wrong password: client $crc, server $src, expected 1 1"
    grep -qF 'plain-bad-credentials' "$tmp/s.err" || fail "server: $(cat "$tmp/s.err")"
    grep -qF 'aborted' "$tmp/c.err" || fail "client: $(cat "$tmp/c.err")"
    ;;
  plain-embedded-nul)
    # RFC 4616: exactly two NUL separators.
    printf '%s\n' PLAIN "$(printf 'a\0user\0pen\0cil' | base64 -w0)" >"$tmp/in"
    sasl --server --mechanism PLAIN --user user --password pencil
    expect_failure plain-extra-nul
    ;;
  bad-base64)
    printf '%s\n' SCRAM-SHA-256 'biws*n=user' >"$tmp/in"
    sasl "${sha256_server[@]}"
    expect_failure "base64-bad-char at 4"
    printf 'SCRAM-SHA-256\r\n' >"$tmp/in"
    sasl "${sha256_server[@]}"
    expect_failure no-acceptable-mechanism
    printf 'SCRAM-SHA-256\n%s\r\n' "$(b64 "$rfc7677_cf")" >"$tmp/in"
    sasl "${sha256_server[@]}"
    expect_failure base64-bad-char
    printf '%s\n' SCRAM-SHA-256 "" 'cj1y=w==' >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure base64-bad-padding
    printf '%s\n' SCRAM-SHA-256 "" 'cj1=' >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure base64-non-canonical
    printf '%s\n' SCRAM-SHA-256 "" 'cj1yb' >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure base64-length
    ;;
  oversize-line)
    # A peer that sends an endless line: refused once the cap is reached,
    # without reading the rest (the input here never ends).
    { echo SCRAM-SHA-256; yes A | tr -d '\n'; } | timeout 60 "$xmppfuzz" sasl "${sha256_server[@]}" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_failure "message-too-long"
    { printf 'SCRAM-SHA-256\n\n'; head -c 8000 /dev/zero | tr '\0' A; echo; } >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure "message-too-long"
    # Just under the cap but over the message limit once decoded.
    { printf 'SCRAM-SHA-256\n\n'; head -c 5464 /dev/zero | tr '\0' A; echo; } >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure "message-too-long at 4096"
    ;;
  early-eof)
    sasl "${sha256_server[@]}"
    expect_failure aborted
    printf '%s\n' SCRAM-SHA-256 "" >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure aborted
    ;;
  wrong-mechanism-line)
    printf '%s\n' SCRAM-SHA-1 "$(b64 "$rfc7677_cf")" >"$tmp/in"
    sasl "${sha256_server[@]}"
    expect_failure no-acceptable-mechanism
    printf '%s\n' SCRAM-SHA-256 "x" >"$tmp/in"
    sasl "${sha256_client[@]}"
    expect_failure unexpected-message
    ;;
  trailing-data)
    printf '%s\n' SCRAM-SHA-256 "$(b64 "$rfc7677_cf")" "$(b64 "$rfc7677_cfin")" "more" >"$tmp/in"
    sasl "${sha256_server[@]}"
    expect_failure unexpected-message
    ;;
  write-error)
    printf '%s\n' SCRAM-SHA-256 "" "$(b64 "$rfc7677_sf")" "$(b64 "$rfc7677_sfin")" >"$tmp/in"
    timeout 60 "$xmppfuzz" sasl "${sha256_client[@]}" <"$tmp/in" >/dev/full 2>"$tmp/err"
    rc=$?
    expect_failure "cannot write to standard output"
    # A reader that went away: an error and exit 1, not death by SIGPIPE.
    { sleep 1; cat "$tmp/in"; } | timeout 60 "$xmppfuzz" sasl "${sha256_client[@]}" 2>"$tmp/err" | true
    rc=${PIPESTATUS[1]}
    expect_failure "cannot write to standard output"
    ;;
  usage)
    sasl --mechanism SCRAM-SHA-256 --user u --password p
    expect_usage_error "exactly one of --client and --server"
    sasl --client --server --mechanism SCRAM-SHA-256 --user u --password p
    expect_usage_error "exactly one of --client and --server"
    sasl --client --mechanism DIGEST-MD5 --user u --password p
    expect_usage_error "--mechanism takes"
    sasl --client --mechanism SCRAM-SHA-256 --password p
    expect_usage_error "--user"
    sasl --client --mechanism SCRAM-SHA-256-PLUS --user u --password p
    expect_usage_error "needs --cb-type and --cb-data"
    sasl --client --mechanism SCRAM-SHA-256-PLUS --user u --password p --cb-type tls-exporter
    expect_usage_error "go together"
    sasl --client --mechanism SCRAM-SHA-256-PLUS --user u --password p --cb-type tls-foo --cb-data 00
    expect_usage_error "--cb-type takes"
    sasl --client --mechanism SCRAM-SHA-256-PLUS --user u --password p --cb-type tls-exporter --cb-data 0g
    expect_usage_error "--cb-data takes"
    sasl --client --mechanism SCRAM-SHA-256-PLUS --user u --password p --cb-type tls-exporter --cb-data 001
    expect_usage_error "--cb-data takes"
    sasl --client --mechanism SCRAM-SHA-256 --user u --password p --nonce 'a,b'
    expect_usage_error "--nonce"
    sasl --server --mechanism SCRAM-SHA-256 --user u --password p --salt 'QSXCR+Q6sek8bf9='
    expect_usage_error "--salt"
    sasl --server --mechanism SCRAM-SHA-256 --user u --password p --iterations 0
    expect_usage_error "--iterations"
    sasl --server --mechanism SCRAM-SHA-256 --user u --password p --iterations many
    expect_usage_error "--iterations"
    sasl --client --mechanism SCRAM-SHA-256 --user u --password p --salt QSXCR+Q6sek8bf92
    expect_usage_error "server options"
    sasl --client --mechanism SCRAM-SHA-256 --user u --password p --bogus
    expect_usage_error "--bogus"
    sasl --client --mechanism SCRAM-SHA-256 --user $'\u0007' --password p
    expect_usage_error "SASLprep"
    sasl --client --mechanism PLAIN --user u --password p --cb-type tls-exporter --cb-data 00
    expect_usage_error "PLAIN takes no channel binding"
    ;;
  *)
    echo "sasl_cli_test.sh: unknown case '$case_name'" >&2
    exit 2
    ;;
esac
exit 0
