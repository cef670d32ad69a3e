#!/usr/bin/env bash
# scripts/fuzz's triage path on a planted bug, in a scratch copy of the tree:
# a fuzzer that overflows a heap buffer on inputs starting with "XMPP" is
# built with clang (libFuzzer + ASan; AFL++'s compiler too when it is
# installed) and fuzzed through scripts/fuzz --no-build. The first run must
# find it, key it by the planted frame, minimize it, write reproduce.sh and
# exit 1; the second run must call it known and exit 0; scripts/corpus
# promote must then keep the minimized input as a seed.
set -uo pipefail
root=$1
command -v clang++ >/dev/null || { echo "SKIP: clang++ is not installed (scripts/setup installs it)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r "$root/scripts" "$tmp/"
mkdir -p "$tmp/harnesses" "$tmp/corpora/planted_fuzzer" "$tmp/dictionaries" "$tmp/build/fuzz/harnesses"
cat >"$tmp/harnesses/planted_fuzzer.cc" <<'EOF'
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

// Reads one byte past the end of a copy of the input when it starts "XMPP".
static int Planted(const uint8_t* data, size_t size) {
  std::vector<uint8_t> copy(data, data + size);
  if (size >= 4 && std::memcmp(copy.data(), "XMPP", 4) == 0) return copy.data()[size];
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  volatile int sink = Planted(data, size);
  (void)sink;
  return 0;
}
EOF
printf 'XMP' >"$tmp/corpora/planted_fuzzer/seed"
printf 'max_len = 64\n' >"$tmp/harnesses/planted_fuzzer.options"
printf '"XMPP"\n' >"$tmp/dictionaries/planted_fuzzer.dict"
clang++ -g -O1 -fsanitize=fuzzer,address "$tmp/harnesses/planted_fuzzer.cc" -o "$tmp/build/fuzz/harnesses/planted_fuzzer" ||
  { echo "FAIL: could not build the planted fuzzer"; exit 1; }
engine=libfuzzer
if command -v afl-clang-fast++ >/dev/null && command -v afl-fuzz >/dev/null; then
  mkdir -p "$tmp/build/afl/harnesses"
  if AFL_QUIET=1 AFL_USE_ASAN=1 afl-clang-fast++ -g -O1 -fsanitize=fuzzer "$tmp/harnesses/planted_fuzzer.cc" \
       -o "$tmp/build/afl/harnesses/planted_fuzzer" >/dev/null 2>&1; then
    engine=both
  else
    echo "note: afl-clang-fast++ could not build the planted fuzzer; libFuzzer only"
  fi
else
  echo "note: AFL++ is not installed; libFuzzer only"
fi

fails=0
fail() { echo "FAIL: $*"; fails=1; }
cd "$tmp" || exit 1
scripts/fuzz --no-build --engine "$engine" --time 15 --instances 1 planted_fuzzer >out1 2>&1
status=$?
cat out1
[[ $status -eq 1 ]] || fail "first run: exit $status, wanted 1 (a new finding)"
grep -q '^fuzz: NEW finding in planted_fuzzer' out1 || fail "first run did not announce the finding"
dirs=(.cache/fuzz/findings/planted_fuzzer/*/)
[[ -d ${dirs[0]} ]] || { fail "no findings directory"; exit 1; }
# Every engine's crash has the same stack, so there is one directory.
[[ ${#dirs[@]} -eq 1 ]] || fail "wanted one finding (one stack), got ${#dirs[@]}: ${dirs[*]}"
d=${dirs[0]%/}
for f in input minimized stack key reproduce.sh; do [[ -s $d/$f ]] || fail "finding lacks $f"; done
grep -q '^Planted(.*) harnesses/planted_fuzzer.cc$' "$d/key" || fail "key does not name the planted frame: $(cat "$d/key")"
grep -q 'heap-buffer-overflow' "$d/stack" || fail "stack is not the planted overflow"
[[ $(head -c 4 "$d/minimized") == XMPP ]] || fail "minimized input does not keep the trigger"
[[ $(stat -c %s "$d/minimized") -le $(stat -c %s "$d/input") ]] || fail "minimized input is larger than the input"
"$d/reproduce.sh" >repro.log 2>&1 && fail "reproduce.sh did not crash"
grep -q 'heap-buffer-overflow' repro.log || fail "reproduce.sh did not reproduce the overflow"
grep -Eq '^planted_fuzzer +libfuzzer .* 1 new, 0 known' out1 || fail "summary does not count the new libFuzzer finding"

scripts/fuzz --no-build --engine "$engine" --time 15 --instances 1 planted_fuzzer >out2 2>&1
status=$?
cat out2
[[ $status -eq 0 ]] || fail "second run: exit $status, wanted 0 (nothing new)"
grep -q 'NEW finding' out2 && fail "second run called a known finding new"
grep -Eq '^planted_fuzzer +libfuzzer .* 0 new, [1-9][0-9]* known' out2 || fail "summary does not call the finding known"

scripts/corpus promote planted_fuzzer "$d/minimized" planted_heap_overflow >out3 2>&1 || { cat out3; fail "promote failed"; }
cmp -s "$d/minimized" corpora/planted_fuzzer/planted_heap_overflow || fail "promoted seed differs from the minimized input"
[[ $fails -eq 0 ]] && echo "ok: planted bug found, keyed, minimized, reproduced, known on the second run, promoted ($engine)"
exit $fails
