#!/usr/bin/env bash
# scripts/live-server's start checks (issue 10, finding 8): the check that
# the server is still starting must not depend on whether the child has
# exec'd into its tagged command yet, and readiness is a stream header
# answered on the port, not a bound socket.
set -uo pipefail
source_dir=$1
XMPPFUZZ_LIVE_SERVER_SOURCE_ONLY=1
# shellcheck disable=SC1091
set -- ; . "$source_dir/scripts/live-server"
set +e
fail() { echo "FAIL: $*" >&2; exit 1; }

# A child that takes a moment before exec'ing into the tagged command, as
# `setsid env XMPPFUZZ_LIVE_TAG=... prosody` can on a loaded machine.
( sleep 0.5; exec env XMPPFUZZ_LIVE_TAG=t1 sleep 3 ) &
pid=$!
child_running "$pid" || fail "a child that has not exec'd yet counts as exited"
pid_is_ours "$pid" t1 && fail "test premise: the tag is visible before the exec"
sleep 1
child_running "$pid" || fail "the running child counts as exited"
pid_is_ours "$pid" t1 || fail "the tag is not visible after the exec"
kill "$pid"; wait "$pid" 2>/dev/null
child_running "$pid" && fail "a waited-for child counts as running"
( exit 0 ) &
pid=$!
sleep 0.3  # now a zombie until waited for
child_running "$pid" && fail "a zombie counts as running"
wait "$pid"

# Readiness: a port that accepts but never answers is not ready; one that
# answers a stream header with one is.
silent=$(pick_free_port) || fail "no free port"
answering=$(pick_free_port) || fail "no free port"
[[ $silent != "$answering" ]] || fail "the same free port twice"
/usr/bin/python3 - "$silent" "$answering" <<'PY' &
import socket, sys, threading, time
def serve(port, answer):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port)); s.listen(8)
    while True:
        c, _ = s.accept()
        def one(c=c):
            c.recv(4096)
            if answer:
                c.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                          b"xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='x' version='1.0'>")
            time.sleep(10)
        threading.Thread(target=one, daemon=True).start()
threading.Thread(target=serve, args=(int(sys.argv[1]), False), daemon=True).start()
threading.Thread(target=serve, args=(int(sys.argv[2]), True), daemon=True).start()
time.sleep(30)
PY
server=$!
for _ in $(seq 50); do port_accepts "$answering" && port_accepts "$silent" && break; sleep 0.1; done
t0=$SECONDS
port_answers_xmpp "$silent" && fail "a port that accepts but does not answer counts as ready"
((SECONDS - t0 <= 5)) || fail "the readiness check took $((SECONDS - t0)) s"
port_answers_xmpp "$answering" || fail "a port answering a stream header is not ready"
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
echo "ok"
