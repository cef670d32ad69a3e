#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of xmppfuzz's fuzzers.
#
# The builder sets CC, CXX, CFLAGS, CXXFLAGS (sanitizer and coverage flags),
# LIB_FUZZING_ENGINE, SRC, WORK and OUT. Expat and libxml2 are compiled from
# source with those flags (the system libraries are not instrumented): from
# $XMPPFUZZ_DEPS_SRC (default $SRC/deps, holding expat/expat/lib/xmlparse.c
# and libxml2/parser.c, as ci/Dockerfile clones them).
#
# Writes to $OUT, per fuzzer: the binary, <fuzzer>.options (dict path made
# local), <fuzzer>.dict and <fuzzer>_seed_corpus.zip.
#
# Run locally (what scripts' tests do), e.g.:
#   SRC=/tmp/src WORK=/tmp/work OUT=/tmp/out CC=clang-14 CXX=clang++-14 \
#   CFLAGS="-fsanitize=address,fuzzer-no-link" CXXFLAGS="-fsanitize=address,fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer XMPPFUZZ_DEPS_SRC=$PWD/.deps/src ci/build.sh

: "${SRC:?SRC not set (the OSS-Fuzz builder sets it)}"
# The checkout: this script's parent when run from ci/, else $SRC/xmppfuzz
# (the builder runs a copy at $SRC/build.sh).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ -d $here/harnesses ]] || here=$SRC/xmppfuzz
: "${OUT:?OUT not set}"
: "${LIB_FUZZING_ENGINE:?LIB_FUZZING_ENGINE not set}"
WORK=${WORK:-$(mktemp -d)}
deps=${XMPPFUZZ_DEPS_SRC:-$SRC/deps}
if [[ ! -f $deps/expat/expat/lib/xmlparse.c || ! -f $deps/libxml2/parser.c ]]; then
  echo "build.sh: Expat/libxml2 sources not found in $deps (expected expat/expat/lib/xmlparse.c and libxml2/parser.c)" >&2
  exit 1
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$here" -B "$WORK/xmppfuzz-build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DXMPPFUZZ_TESTS=OFF \
  -DXMPPFUZZ_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DXMPPFUZZ_INSTRUMENTED_DEPS=ON -DXMPPFUZZ_DEPS_AUTO_FETCH=OFF -DXMPPFUZZ_DEPS_SRC="$deps"

fuzzers=()
for src in "$here"/harnesses/*_fuzzer.cc; do fuzzers+=("$(basename "$src" .cc)"); done
cmake --build "$WORK/xmppfuzz-build" --target "${fuzzers[@]}" -j"$(nproc)"

for f in "${fuzzers[@]}"; do
  cp "$WORK/xmppfuzz-build/harnesses/$f" "$OUT/"
  if [[ -f $here/harnesses/$f.options ]]; then
    sed "s|^\([[:space:]]*dict[[:space:]]*=\).*|\1 $f.dict|" "$here/harnesses/$f.options" >"$OUT/$f.options"
  fi
  if [[ -e $here/dictionaries/$f.dict ]]; then
    cp -L "$here/dictionaries/$f.dict" "$OUT/$f.dict"
  fi
  if [[ -d $here/corpora/$f ]]; then
    rm -f "$OUT/${f}_seed_corpus.zip"
    (cd "$here/corpora/$f" && zip -q -r -X "$OUT/${f}_seed_corpus.zip" .)
  fi
done
echo "build.sh: ${#fuzzers[@]} fuzzers in $OUT: ${fuzzers[*]}"
