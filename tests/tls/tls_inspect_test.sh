#!/usr/bin/env bash
# xmppfuzz tls-inspect on real ClientHellos that `openssl s_client` sends at
# test time (TLS 1.3 and TLS 1.2, with SNI and ALPN), on truncated and
# corrupted copies, and on bad usage. usage: tls_inspect_test.sh XMPPFUZZ
set -uo pipefail
bin=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect NAME STATUS PATTERN COMMAND...: exit status and a line matching PATTERN.
expect() {
  local name=$1 status=$2 pattern=$3; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [[ $got -eq $status ]] || fail "$name: exit $got, want $status ($(head -c 300 "$tmp/err"))"
  grep -Eq -- "$pattern" "$tmp/out" "$tmp/err" || fail "$name: no line matching '$pattern' in: $(head -c 600 "$tmp/out")"
}

/usr/bin/python3 "$here/capture_client_hello.py" "$tmp/h13" -servername xmpp.example.org -alpn xmpp-client -tls1_3 ||
  { echo "could not capture a TLS 1.3 ClientHello from openssl s_client"; exit 1; }
/usr/bin/python3 "$here/capture_client_hello.py" "$tmp/h12" -servername example.com -alpn xmpp-server,xmpp-client -tls1_2 ||
  { echo "could not capture a TLS 1.2 ClientHello from openssl s_client"; exit 1; }

expect "tls13 sni" 0 '^  server_name xmpp\.example\.org$' "$bin" tls-inspect "$tmp/h13"
expect "tls13 alpn" 0 '^  alpn xmpp-client$' "$bin" tls-inspect "$tmp/h13"
expect "tls13 versions" 0 '^  supported_versions TLS 1\.3$' "$bin" tls-inspect "$tmp/h13"
expect "tls13 record" 0 '^record handshake version=TLS 1\.0 length=[0-9]+ offset=0$' "$bin" tls-inspect "$tmp/h13"
expect "tls13 message" 0 '^message client_hello length=[0-9]+ offset=5$' "$bin" tls-inspect "$tmp/h13"
expect "tls12 sni" 0 '^  server_name example\.com$' "$bin" tls-inspect "$tmp/h12"
expect "tls12 alpn order" 0 '^  alpn xmpp-server$' "$bin" tls-inspect "$tmp/h12"
expect "tls12 no supported_versions" 0 'client-hello legacy_version=TLS 1\.2' "$bin" tls-inspect "$tmp/h12"
if "$bin" tls-inspect "$tmp/h12" | grep -q supported_versions; then fail "tls12: a TLS 1.2-only hello has no supported_versions"; fi
expect "stdin" 0 '^  server_name xmpp\.example\.org$' bash -c "'$bin' tls-inspect - < '$tmp/h13'"

# Truncated: the stream ends inside the record.
head -c 100 "$tmp/h13" >"$tmp/cut"
expect "truncated" 1 '^error truncated offset=0$' "$bin" tls-inspect "$tmp/cut"
# Corrupted: content type byte, record version, SNI list length, a record
# length past 2^14.
{ printf '\x63'; tail -c +2 "$tmp/h13"; } >"$tmp/type"
expect "unknown content type" 1 '^error unknown-content-type offset=0$' "$bin" tls-inspect "$tmp/type"
{ head -c 1 "$tmp/h13"; printf '\x02'; tail -c +3 "$tmp/h13"; } >"$tmp/version"
expect "record version" 1 '^error bad-record-version offset=1$' "$bin" tls-inspect "$tmp/version"
{ head -c 3 "$tmp/h13"; printf '\x40\x01'; tail -c +6 "$tmp/h13"; } >"$tmp/long"
expect "record overflow" 1 '^error record-overflow offset=3$' "$bin" tls-inspect "$tmp/long"
# The first extension OpenSSL sends is server_name: make its list length odd.
/usr/bin/python3 - "$tmp/h13" "$tmp/sni" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
pos = data.find(b'xmpp.example.org') - 5  # server_name_list length
data[pos + 1] ^= 0x01
open(sys.argv[2], 'wb').write(data)
PY
expect "sni list" 1 '^error sni-bad-list offset=' "$bin" tls-inspect "$tmp/sni"
# SSL 2.0 CLIENT-HELLO (RFC 6176).
printf '\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10' >"$tmp/v2"
expect "sslv2" 1 '^error sslv2-hello offset=0$' "$bin" tls-inspect "$tmp/v2"

# Bad usage and unwritable output.
expect "missing file" 2 'cannot open' "$bin" tls-inspect "$tmp/nope"
expect "no argument" 2 'input' "$bin" tls-inspect
expect "output to /dev/full" 2 'cannot write' bash -c "'$bin' tls-inspect '$tmp/h13' > /dev/full"

[[ $failures -eq 0 ]] && echo "tls-inspect: all checks passed"
exit $((failures != 0))
