#!/usr/bin/env bash
# scripts/corpus on a scratch copy of the tree: usage errors exit 2, promote
# copies under a meaningful name and refuses hash names, existing names and
# inputs longer than max_len.
set -uo pipefail
root=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r "$root/scripts" "$root/harnesses" "$tmp/"
mkdir -p "$tmp/corpora/jid_fuzzer"
fails=0
expect() {  # expect STATUS DESCRIPTION COMMAND...
  local want=$1 what=$2; shift 2
  "$@" >"$tmp/out" 2>&1; local got=$?
  if [[ $got -ne $want ]]; then echo "FAIL: $what: exit $got, wanted $want"; cat "$tmp/out"; fails=1
  else echo "ok: $what"; fi
}
c=$tmp/scripts/corpus
printf 'user@example.com' >"$tmp/in"
expect 2 "no command" "$c"
expect 2 "unknown command" "$c" frobnicate
expect 2 "unknown fuzzer" "$c" promote no_such_fuzzer "$tmp/in" some_name
expect 2 "promote without NAME" "$c" promote jid_fuzzer "$tmp/in"
expect 2 "hash name refused" "$c" promote jid_fuzzer "$tmp/in" crash-0123456789abcdef
expect 2 "sha1 name refused" "$c" promote jid_fuzzer "$tmp/in" 0123456789abcdef0123456789abcdef01234567
expect 2 "name with a slash refused" "$c" promote jid_fuzzer "$tmp/in" ../escape
expect 1 "missing file" "$c" promote jid_fuzzer "$tmp/nope" bare_jid
expect 0 "promote" "$c" promote jid_fuzzer "$tmp/in" bare_jid_example
cmp -s "$tmp/in" "$tmp/corpora/jid_fuzzer/bare_jid_example" || { echo "FAIL: promoted bytes differ"; fails=1; }
expect 1 "existing name refused" "$c" promote jid_fuzzer "$tmp/in" bare_jid_example
expect 0 "existing name with --force" "$c" promote jid_fuzzer "$tmp/in" bare_jid_example --force
max=$(sed -n 's/^max_len *= *//p' "$tmp/harnesses/jid_fuzzer.options")
head -c $((max + 1)) /dev/zero >"$tmp/big"
expect 1 "input over max_len refused" "$c" promote jid_fuzzer "$tmp/big" too_long_input
[[ ! -e $tmp/corpora/jid_fuzzer/too_long_input ]] || { echo "FAIL: oversize input was copied"; fails=1; }
expect 1 "merge without a working corpus" "$c" merge jid_fuzzer --no-build
expect 0 "list" "$c" list
grep -q '^jid_fuzzer  *1 ' "$tmp/out" || { echo "FAIL: list does not count the promoted seed"; cat "$tmp/out"; fails=1; }
exit $fails
