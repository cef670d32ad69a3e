# Shared helpers for the project's scripts. Source it; do not run it.
# shellcheck shell=bash

XMPPFUZZ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export XMPPFUZZ_ROOT

say() { printf '%s: %s\n' "${XMPPFUZZ_SCRIPT:-xmppfuzz}" "$*"; }
die() { printf '%s: error: %s\n' "${XMPPFUZZ_SCRIPT:-xmppfuzz}" "$*" >&2; exit 1; }

# Package sets, by purpose.
XMPPFUZZ_PKGS_BUILD=(cmake ninja-build g++ clang-14 libclang-rt-14-dev ccache pkg-config
  libexpat1-dev libxml2-dev libssl-dev openssl libidn-dev libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libidn2-dev libpsl-dev)
XMPPFUZZ_PKGS_BENCH=(libbenchmark-dev libpugixml-dev)
XMPPFUZZ_PKGS_FUZZ=(afl++ dpkg-dev debian-archive-keyring)
# scripts/coverage and its check (llvm-profdata-14, llvm-cov-14, llvm-cxxfilt-14).
XMPPFUZZ_PKGS_COVERAGE=(llvm-14)
# The ClusterFuzzLite workflow check (tests/scripts/cflite_check.py).
XMPPFUZZ_PKGS_CI_CHECK=(python3-yaml)
# scripts/mutate: the mutant generator reads clang's AST (python3-clang-14);
# the scratch copy of the tree is kept with rsync.
XMPPFUZZ_PKGS_MUTATE=(python3-clang-14 rsync)
# The SASL interop tests' peers (label interop): GNU SASL's gsasl and Cyrus
# SASL (libsasl2 with its SCRAM/PLAIN plugins and sasldb) for cyrus_peer.
XMPPFUZZ_PKGS_INTEROP=(gsasl libsasl2-dev libsasl2-modules libsasl2-modules-db)
# The native client libraries of the hostile-server mode (client:<library>):
# each driver in conformance/clients/<library>/ is built when its -dev package
# is there (QXmpp 1.4 is Debian 12's Qt5 build; qtbase5-dev comes with it).
XMPPFUZZ_PKGS_CLIENTS_NATIVE=(libstrophe-dev libgloox-dev libqxmpp-dev libloudmouth1-dev)
# The HTML report's render test (conform.report.html-chromium): headless
# Chromium. Installed like the interop peers (skipped with the reason when
# it cannot be).
XMPPFUZZ_PKGS_HTML=(chromium)
# The exec adapters (conformance/adapters/<name>, ctest label adapters):
# Prosody's util.xmppstream over lua-expat, ejabberd's fast_xml (p1_xml)
# and p1_xmpp with escript. Installed like the interop peers (skipped with
# the reason when they cannot be); prosody through scripts/live-server
# install, which keeps its service from starting. The gloox, slixmpp,
# aioxmpp and xmppjs adapters use the client libraries' packages
# (libgloox-dev above, XMPPFUZZ_PKGS_CLIENTS_SCRIPT and the npm modules of
# `scripts/clients install`).
XMPPFUZZ_PKGS_ADAPTERS=(prosody lua-expat erlang-base erlang-p1-xml erlang-p1-xmpp)


# missing_packages PKG... prints the packages that are not installed.
missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ $status == installed ]] || printf '%s\n' "$pkg"
  done
}

# ensure_packages PKG... installs what is missing: as root with apt-get
# (one 'apt-get update' per run), otherwise prints the command and fails.
ensure_packages() {
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    die "missing packages: ${missing[*]}
  install them as root with:
    apt-get update && apt-get install -y ${missing[*]}"
  fi
  if [[ -z ${XMPPFUZZ_APT_UPDATED:-} ]]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    export XMPPFUZZ_APT_UPDATED=1
  fi
  say "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# ensure_interop_packages installs the interop peers when root; otherwise it
# says what is missing and goes on (the interop tests then show as skipped,
# with the reason).
ensure_interop_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${XMPPFUZZ_PKGS_INTEROP[@]}")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    say "not root: interop peers missing (${missing[*]}); the interop tests will be skipped"
    return 0
  fi
  ensure_packages "${XMPPFUZZ_PKGS_INTEROP[@]}"
}

# ensure_clients_native_packages installs the native client libraries when
# root; otherwise it says what is missing and goes on (those drivers are then
# not built and their tests show as skipped, with the reason).
ensure_clients_native_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${XMPPFUZZ_PKGS_CLIENTS_NATIVE[@]}")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    say "not root: client libraries missing (${missing[*]}); their drivers will not be built"
    return 0
  fi
  ensure_packages "${XMPPFUZZ_PKGS_CLIENTS_NATIVE[@]}"
}

# ensure_html_packages installs headless Chromium for the HTML report's
# render test when root; otherwise it says so and the test shows as skipped.
ensure_html_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${XMPPFUZZ_PKGS_HTML[@]}")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    say "not root: ${missing[*]} missing; conform.report.html-chromium will be skipped"
    return 0
  fi
  # A subshell: a failed install (offline mirror) is a skipped test, not a
  # failed run.
  (ensure_packages "${XMPPFUZZ_PKGS_HTML[@]}") ||
    say "could not install ${missing[*]}; conform.report.html-chromium will be skipped"
}

# ensure_adapter_packages installs the exec adapters' implementations when
# root; otherwise it says what is missing and goes on (their adapters.* tests
# then show as skipped, with the reason).
ensure_adapter_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${XMPPFUZZ_PKGS_ADAPTERS[@]}")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    say "not root: adapter packages missing (${missing[*]}); their adapters.* tests will be skipped"
    return 0
  fi
  if [[ " ${missing[*]} " == *" prosody "* ]]; then
    "$XMPPFUZZ_ROOT/scripts/live-server" install prosody >/dev/null ||
      say "could not install prosody; adapters.prosody will be skipped"
  fi
  mapfile -t missing < <(missing_packages "${XMPPFUZZ_PKGS_ADAPTERS[@]}")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  (ensure_packages "${missing[@]}") ||
    say "could not install ${missing[*]}; the adapters.* tests that need them will be skipped"
}

# ensure_w3c_suite fetches the W3C XML Conformance Test Suite into .cache/w3c
# once (scripts/w3c-suite), for the conform.w3c.* tests. XMPPFUZZ_NO_W3C=1
# skips the fetch (offline machines): those tests then report "skipped".
ensure_w3c_suite() {
  if [[ ${XMPPFUZZ_NO_W3C:-0} == 1 ]]; then
    say "XMPPFUZZ_NO_W3C=1: not fetching the W3C suite; the conform.w3c.* tests will be skipped"
    return 0
  fi
  "$XMPPFUZZ_ROOT/scripts/w3c-suite" fetch >/dev/null ||
    die "could not fetch the W3C XML Conformance Test Suite (set XMPPFUZZ_NO_W3C=1 to go on without it)"
}

# jobs: parallelism for builds (2 on the reference machine).
build_jobs() { echo "${XMPPFUZZ_JOBS:-2}"; }

# configure_and_build PRESET [TARGET...]: cmake configure (once) and build
# (every target, or only the TARGETs given).
configure_and_build() {
  local preset=$1 targets=()
  shift
  [[ $# -eq 0 ]] || targets=(--target "$@")
  say "configure + build preset '$preset'${targets:+ (${*})}"
  mkdir -p "$XMPPFUZZ_ROOT/build"
  cmake --preset "$preset" -S "$XMPPFUZZ_ROOT" >"$XMPPFUZZ_ROOT/build/.$preset-configure.log" 2>&1 \
    || { cat "$XMPPFUZZ_ROOT/build/.$preset-configure.log" >&2; die "cmake configure ($preset) failed"; }
  cmake --build --preset "$preset" -j "$(build_jobs)" "${targets[@]}" || die "build ($preset) failed"
}

# The script client drivers of the hostile-server mode (conformance/clients:
# slixmpp, aioxmpp; nodejs for xmpp.js and StanzaJS, whose npm modules
# `scripts/clients install` puts in place with npm ci). Debian's npm package
# is added by scripts/clients only when no npm command exists (NodeSource's
# nodejs ships its own npm and conflicts with it). The exec adapters
# conformance/adapters/slixmpp and aioxmpp use the same two Python packages.
XMPPFUZZ_PKGS_CLIENTS_SCRIPT=(python3-slixmpp python3-aioxmpp nodejs)
