#!/usr/bin/env bash
# The OSS-Fuzz / ClusterFuzzLite build, checked the way the builder runs it:
# ci/build.sh on a fresh copy of the tree (the tracked files only) with
# SRC, WORK, OUT, CC/CXX = clang, the sanitizer flags plus
# -fsanitize=fuzzer-no-link and LIB_FUZZING_ENGINE=-fsanitize=fuzzer. Then
# $OUT must hold every harnesses/*_fuzzer.cc as a binary with its .options
# (dict made local), .dict and _seed_corpus.zip, and each binary must run
# over its unzipped seeds and exit 0.
#
#   oss_fuzz_build_test.sh ROOT MODE     MODE: address | undefined (libFuzzer
#                                        with that sanitizer) | afl (AFL++'s
#                                        afl-clang-fast and libAFLDriver, ASan)
#
# Expat and libxml2 sources come from ROOT/.deps/src (scripts/fetch-dep-sources,
# run here when missing). Exit 77 (skipped, with the reason) when clang-14's
# libFuzzer or the dependency sources are not available.
set -uo pipefail
root=$(cd "$1" && pwd) sanitizer=$2
skip() { echo "skipped because: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

command -v clang-14 >/dev/null || skip "clang-14 is not installed"
[[ -f /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ]] ||
  ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  skip "clang-14's libFuzzer runtime (libclang-rt-14-dev) is not installed"
command -v zip >/dev/null && command -v unzip >/dev/null || skip "zip/unzip are not installed"
deps=$root/.deps/src
if [[ ! -f $deps/expat/expat/lib/xmlparse.c || ! -f $deps/libxml2/parser.c ]]; then
  "$root/scripts/fetch-dep-sources" >/dev/null 2>&1 ||
    skip "Expat/libxml2 sources are not in .deps/src and scripts/fetch-dep-sources could not fetch them"
fi

cc=clang-14 cxx=clang++-14 engine=-fsanitize=fuzzer nolink=-fsanitize=fuzzer-no-link
case $sanitizer in
  afl)
    command -v afl-clang-fast >/dev/null || skip "afl++ (afl-clang-fast) is not installed"
    driver=$(ls /usr/lib/afl/libAFLDriver.a /usr/local/lib/afl/libAFLDriver.a 2>/dev/null | head -1)
    [[ -n $driver ]] || skip "AFL++'s libAFLDriver.a is not installed"
    cc=afl-clang-fast cxx=afl-clang-fast++ engine=$driver nolink=
    san="-fsanitize=address -fsanitize-address-use-after-scope" ;;
  address) san="-fsanitize=address -fsanitize-address-use-after-scope" ;;
  undefined) san="-fsanitize=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unsigned-integer-overflow,unreachable,vla-bound,vptr -fno-sanitize-recover=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr" ;;
  *) echo "usage: oss_fuzz_build_test.sh ROOT address|undefined|afl" >&2; exit 2 ;;
esac

base=${XMPPFUZZ_OSS_FUZZ_DIR:-$root/build/oss-fuzz}/$sanitizer
rm -rf "$base/src" "$base/out"
mkdir -p "$base/src/xmppfuzz" "$base/work" "$base/out"
# A fresh copy: tracked files as they are in the working tree, nothing built.
(cd "$root" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$base/src/xmppfuzz" ||
  fail "copying the tree"
cp "$base/src/xmppfuzz/ci/build.sh" "$base/src/build.sh"

flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $san $nolink"
launcher=()
command -v ccache >/dev/null && launcher=(CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
  CCACHE_BASEDIR="$base" CCACHE_NOHASHDIR=1)
echo "building with ci/build.sh ($sanitizer) in $base"
if ! env "${launcher[@]}" SRC="$base/src" WORK="$base/work" OUT="$base/out" CC="$cc" CXX="$cxx" \
    CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE="$engine" SANITIZER="$sanitizer" \
    XMPPFUZZ_DEPS_SRC="$deps" bash "$base/src/build.sh" >"$base/build.log" 2>&1; then
  tail -40 "$base/build.log"; fail "ci/build.sh failed (log: $base/build.log)"
fi
tail -1 "$base/build.log"

fails=0 n=0
for src in "$root"/harnesses/*_fuzzer.cc; do
  f=$(basename "$src" .cc); n=$((n + 1))
  for want in "$f" "$f.options" "${f}_seed_corpus.zip"; do
    [[ -s $base/out/$want ]] || { echo "FAIL: \$OUT/$want missing"; fails=1; }
  done
  [[ -x $base/out/$f ]] || { echo "FAIL: \$OUT/$f is not executable"; fails=1; continue; }
  if [[ -e $root/dictionaries/$f.dict ]]; then
    [[ -s $base/out/$f.dict ]] || { echo "FAIL: \$OUT/$f.dict missing"; fails=1; }
    grep -q "^[[:space:]]*dict[[:space:]]*=[[:space:]]*$f.dict[[:space:]]*$" "$base/out/$f.options" ||
      { echo "FAIL: $f.options does not name the local $f.dict"; fails=1; }
  fi
  seeds=$base/seeds/$f
  rm -rf "$seeds"; mkdir -p "$seeds"
  unzip -q "$base/out/${f}_seed_corpus.zip" -d "$seeds" || { echo "FAIL: $f seed zip unreadable"; fails=1; continue; }
  count=$(find "$seeds" -type f | wc -l)
  [[ $count -gt 0 ]] || { echo "FAIL: $f has no seeds"; fails=1; continue; }
  # As the builder's check_build and reproduce do: every seed once
  # (libAFLDriver runs the files named on its command line).
  if [[ $sanitizer == afl ]]; then
    run=(find "$seeds" -type f -exec "./$f" {} +)
  else
    run=("./$f" -runs=0 -rss_limit_mb=2560 -timeout=25 "$seeds")
  fi
  if (cd "$base/out" && AFL_DRIVER_DONT_DEFER=1 timeout 600 "${run[@]}") >"$base/$f.run.log" 2>&1; then
    echo "ok: $f ($count seeds)"
  else
    echo "FAIL: $f on its seeds (log: $base/$f.run.log)"; tail -20 "$base/$f.run.log"; fails=1
  fi
done
[[ $n -gt 0 ]] || fail "no harnesses found"
[[ $fails -eq 0 ]] && echo "oss-fuzz build ($sanitizer): $n fuzzers built and ran on their seeds"
exit $fails
