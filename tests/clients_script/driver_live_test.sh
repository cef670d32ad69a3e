#!/usr/bin/env bash
# driver_live_test.sh SRC BUILD LIBRARY [default|strict [carbons]]
#
# Live check of one script client driver (conformance/clients/LIBRARY)
# against a private Prosody started by scripts/live-server, everything in a
# fresh network namespace (only loopback up) and mount namespace in which the
# instance's certificate is the only trusted CA (bind-mounted over
# /etc/ssl/certs, SSL_CERT_FILE/SSL_CERT_DIR/NODE_EXTRA_CA_CERTS set), as the
# hostile-server harness does. The driver must log in, report "online",
# report the message a second resource of the account sends it, report the
# disco#info result, and report "closed" (exit 0) once the server stops.
#
# Profiles: default — live-server's own instance (STARTTLS offered, not
# required), except that a WebSocket driver (StanzaJS) talks to a companion
# Prosody made from the instance's generated config with mod_websocket on a
# loopback HTTP port; strict — a companion with c2s_require_encryption, no
# unencrypted PLAIN, mod_carbons (a sent carbon is checked too) and, for
# WebSocket drivers, wss:// on a loopback HTTPS port; the driver must report
# "tls", and with "carbons" (a library that hands carbons to the
# application) the sent carbon of a message the other resource sends.
#
# Exit 0 pass, 1 fail, 3 skipped (library, npm modules, Prosody or
# namespaces missing: the reason on stderr).
set -euo pipefail

if [ "${1:-}" = --stage ]; then
    STAGE=$2; shift 2
else
    STAGE=outer
fi
SRC=$1 BUILD=$2 LIB=$3 PROFILE=${4:-default} FEATURES=${5:-}
HERE=$SRC/tests/clients_script
DRV=$SRC/conformance/clients/$LIB
BODY="xmppfuzz says hello to $LIB"
CARBON_BODY="xmppfuzz carbon for $LIB"
RESOURCE=xmppfuzz-driver

skip() { printf 'clients.script.%s: skipped because: %s\n' "$LIB" "$*" >&2; exit 3; }
fail() { printf 'clients.script.%s: FAIL: %s\n' "$LIB" "$*" >&2; exit 1; }
say() { printf 'clients.script.%s: %s\n' "$LIB" "$*" >&2; }

json_field() {  # json_field FILE KEY: a string field of driver.json
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# ------------------------------------------------------------------ outer --
if [ "$STAGE" = outer ]; then
    [ -f "$DRV/driver.json" ] || fail "no $DRV/driver.json"
    case $PROFILE in default | strict) ;; *) fail "unknown profile $PROFILE" ;; esac
    case $FEATURES in "" | carbons) ;; *) fail "unknown feature list $FEATURES" ;; esac
    reason=$("$SRC/scripts/clients" check "$LIB" --build "$BUILD" 2>&1) || skip "$reason"
    [ "$(id -u)" -eq 0 ] || skip "needs root for unshare -n -m (network and mount namespaces)"
    unshare -n -m true 2>/dev/null || skip "unshare -n -m does not work here"
    command -v ip >/dev/null || skip "ip (iproute2) missing: cannot bring up loopback in the namespace"
    exec unshare -n -m -- bash "$0" --stage netns "$SRC" "$BUILD" "$LIB" "$PROFILE" "$FEATURES"
fi

# ------------------------------------------------------------------ netns --
if [ "$STAGE" = netns ]; then
    ip link set lo up
    exec "$SRC/scripts/live-server" run prosody -- \
        bash "$0" --stage session "$SRC" "$BUILD" "$LIB" "$PROFILE" "$FEATURES"
fi

# ---------------------------------------------------------------- session --
[ "$STAGE" = session ] || fail "unknown stage $STAGE"
: "${XMPPFUZZ_LIVE_DIR:?}" "${XMPPFUZZ_LIVE_PORT:?}" "${XMPPFUZZ_LIVE_CERT:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xmppfuzz-clients-$LIB.XXXXXX")
DRIVER_PID="" COMPANION_PID=""
cleanup() {
    local st=$?
    if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
        kill -KILL "$DRIVER_PID" 2>/dev/null || true
    fi
    if [ -n "$COMPANION_PID" ] && kill -0 "$COMPANION_PID" 2>/dev/null; then
        kill -TERM "$COMPANION_PID" 2>/dev/null || true
        wait "$COMPANION_PID" 2>/dev/null || true
    fi
    rm -rf -- "$WORK"
    exit "$st"
}
trap cleanup EXIT

TRANSPORT=$(json_field "$DRV/driver.json" transport)
HOST=127.0.0.1 PORT=$XMPPFUZZ_LIVE_PORT DOMAIN=$XMPPFUZZ_LIVE_DOMAIN
USER=$XMPPFUZZ_LIVE_USER PASS=$XMPPFUZZ_LIVE_PASSWORD
WSURL="" SENDER_TLS=()

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A companion Prosody made from live-server's generated config: own pid,
# log and copy of the data (the account), c2s on a new port, and whatever
# the profile adds. Started here, stopped here (its pid is ours).
start_companion() {
    local c2s http https cfg i
    c2s=$(free_port) http=$(free_port) https=$(free_port)
    mkdir -p "$WORK/companion"
    cp -r "$XMPPFUZZ_LIVE_DIR/data" "$WORK/companion/data"
    cfg=$WORK/companion/prosody.cfg.lua
    sed -e "s|^pidfile = .*|pidfile = \"$WORK/companion/prosody.pid\"|" \
        -e "s|^data_path = .*|data_path = \"$WORK/companion/data\"|" \
        -e "s|filename = \"[^\"]*\"|filename = \"$WORK/companion/prosody.log\"|" \
        -e "s|^c2s_ports = .*|c2s_ports = { $c2s }|" \
        -e "s|^http_ports = .*|http_ports = { $http }\nhttp_interfaces = { \"127.0.0.1\" }|" \
        -e "s|^https_ports = .*|https_ports = { $https }\nhttps_interfaces = { \"127.0.0.1\" }|" \
        -e 's|^modules_enabled = { \(.*\) }|modules_enabled = { \1; "websocket"; "carbons" }|' \
        "$XMPPFUZZ_LIVE_DIR/prosody.cfg.lua" >"$cfg"
    if [ "$PROFILE" = strict ]; then
        sed -i -e 's|^c2s_require_encryption = .*|c2s_require_encryption = true|' \
            -e 's|^allow_unencrypted_plain_auth = .*|allow_unencrypted_plain_auth = false|' "$cfg"
        printf 'https_ssl = { certificate = "%s"; key = "%s" }\n' \
            "$XMPPFUZZ_LIVE_DIR/cert.pem" "$XMPPFUZZ_LIVE_DIR/key.pem" >>"$cfg.extra"
        # Global options must precede the VirtualHost line.
        sed -i -e "/^VirtualHost/e cat $cfg.extra" "$cfg"
        WSURL=wss://$DOMAIN:$https/xmpp-websocket
        SENDER_TLS=(--starttls "$XMPPFUZZ_LIVE_CERT")
    else
        WSURL=ws://127.0.0.1:$http/xmpp-websocket
    fi
    prosody -F --config "$cfg" </dev/null >>"$WORK/companion/console.log" 2>&1 &
    COMPANION_PID=$!
    for ((i = 0; i < 100; i++)); do
        kill -0 "$COMPANION_PID" 2>/dev/null || { cat "$WORK/companion/"*.log >&2; fail "companion Prosody exited"; }
        if (exec 3<>"/dev/tcp/127.0.0.1/$c2s") 2>/dev/null; then
            PORT=$c2s
            return 0
        fi
        sleep 0.1
    done
    fail "companion Prosody did not listen on $c2s"
}
if [ "$PROFILE" = strict ] || [ "$TRANSPORT" = websocket ]; then
    start_companion
fi

# The instance's certificate as the only trusted CA, inside this mount
# namespace only.
mkdir -p "$WORK/certs"
cp "$XMPPFUZZ_LIVE_CERT" "$WORK/certs/ca-certificates.crt"
cp "$XMPPFUZZ_LIVE_CERT" "$WORK/certs/xmppfuzz-live.pem"
openssl rehash "$WORK/certs" >/dev/null 2>&1 || c_rehash "$WORK/certs" >/dev/null
mount --bind "$WORK/certs" /etc/ssl/certs
export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_DIR=/etc/ssl/certs
export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/xmppfuzz-live.pem

mapfile -t CMD < <(/usr/bin/python3 -c 'import json,sys
for a in json.load(open(sys.argv[1]))["command"]:
    print(a.replace("{src}", sys.argv[2]).replace("{build}", sys.argv[3]))' "$DRV/driver.json" "$SRC" "$BUILD")
CMD+=(--host "$HOST" --port "$PORT" --jid "$USER@$DOMAIN" --password "$PASS" --resource "$RESOURCE")
[ "$TRANSPORT" = websocket ] && CMD+=(--websocket "$WSURL")
say "driver: ${CMD[*]//$PASS/PASSWORD}"

EVENTS=$WORK/events.jsonl
"${CMD[@]}" </dev/null >"$EVENTS" 2>"$WORK/driver.stderr" &
DRIVER_PID=$!

# wait_event PATTERN SECONDS: the driver printed a line matching PATTERN.
wait_event() {
    local pat=$1 i
    for ((i = 0; i < $2 * 10; i++)); do
        grep -q -- "$pat" "$EVENTS" 2>/dev/null && return 0
        kill -0 "$DRIVER_PID" 2>/dev/null || { grep -q -- "$pat" "$EVENTS" && return 0; return 1; }
        sleep 0.1
    done
    return 1
}
show_failure() {
    say "driver output:"; cat -v "$EVENTS" >&2 || true
    say "driver stderr (last 30 lines):"; tail -n 30 "$WORK/driver.stderr" | cat -v >&2 || true
    fail "$*"
}

wait_event '"event": *"online"' 20 || show_failure "the driver did not report online"
stanzas=("<message to='$USER@$DOMAIN/$RESOURCE' type='chat' id='xf-msg-1'><body>$BODY</body></message>")
[ "$PROFILE" = strict ] &&
    stanzas+=("<message to='nobody@$DOMAIN' type='chat' id='xf-msg-2'><body>$CARBON_BODY</body></message>")
# Give the driver time to enable carbons before the carbon-making message.
wait_event '"event": *"iq-result"' 15 || show_failure "the driver did not report the disco#info result"
/usr/bin/python3 "$HERE/xmpp_send.py" "${SENDER_TLS[@]}" "$HOST" "$PORT" "$USER" "$DOMAIN" "$PASS" \
    xmppfuzz-sender "${stanzas[@]}" || show_failure "the sender could not deliver its message"
wait_event "$BODY" 10 || show_failure "the driver did not report the message"
if [ "$FEATURES" = carbons ]; then
    wait_event "$CARBON_BODY" 10 || show_failure "the driver did not report the carbon"
fi

# Stop the server; the driver must notice and exit.
if [ -n "$COMPANION_PID" ]; then
    kill -TERM "$COMPANION_PID"
    wait "$COMPANION_PID" 2>/dev/null || true
    COMPANION_PID=""
else
    "$SRC/scripts/live-server" stop prosody --dir "$XMPPFUZZ_LIVE_DIR"
fi
status=0
for ((i = 0; i < 150; i++)); do
    kill -0 "$DRIVER_PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$DRIVER_PID" 2>/dev/null; then
    show_failure "the driver did not exit within 15 s of the server stopping"
fi
wait "$DRIVER_PID" || status=$?
DRIVER_PID=""
[ "$status" -eq 0 ] || show_failure "the driver exited with status $status"

checks=(--library "$LIB" --jid "$USER@$DOMAIN" --body "$BODY")
[ "$PROFILE" = strict ] && checks+=(--require tls)
[ "$FEATURES" = carbons ] && checks+=(--carbon-body "$CARBON_BODY")
/usr/bin/python3 "$HERE/check_events.py" "$EVENTS" "${checks[@]}" || show_failure "event checks failed"
say "pass ($PROFILE profile)"
