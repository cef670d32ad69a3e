#!/usr/bin/python3
"""SASL interop: our `xmppfuzz sasl` against GNU SASL's `gsasl` and against
Cyrus SASL (tests/sasl/interop/cyrus_peer.cc), in both directions, through a
relay that forwards base64 lines between the two processes and can tamper
with one of them.

  interop.py list
      prints every case id, one per line (CMake makes one ctest of each)
  interop.py run CASE --xmppfuzz PATH --cyrus-peer PATH --source-dir DIR
      runs one case; exit 0 when the outcome is the RFC's (or the known
      deviation its peer's expectations file lists), 1 otherwise, 77 when the
      peer is not installed (ctest shows the case as skipped, with why)

A case id is PEER/ROLE/MECH/KIND: PEER is gsasl or cyrus-sasl; ROLE is the
peer's role (server: our client against the peer's server; client: the
peer's client against our server); MECH is the mechanism, for -PLUS with the
channel-binding type after a dot (SCRAM-SHA-256-PLUS.tls-exporter); KIND is

  ok                     same credentials (and binding data): both succeed
  wrong-password         the client has another password: both fail
  tampered-client-final  the relay flips a bit of the client proof: both fail
  tampered-server-final  the relay flips a bit of the server signature: the
                         server succeeds (it saw a valid proof), the client
                         must fail (RFC 5802 section 9)
  server-nonce-changed   the relay changes the first byte of the nonce in
                         server-first, so it no longer starts with the
                         client's: the client must fail (RFC 5802 section 5.1)
  cb-mismatch            the two sides have different binding data: both
                         fail (RFC 5802 section 6)
  server-error-reported  (peer client) the client has another password and our
                         server answers with the RFC 5802 server-error
                         "e=invalid-proof": the client must refuse, and read
                         it as the server's error, not as a malformed message
                         (outcome `malformed` when it says it could not parse)
  plus-stripped          both sides have binding data but the mechanism is
                         the non-PLUS one (as when an attacker strips -PLUS
                         from the offer): the client must send gs2 flag 'y'
                         and the server, which supports binding, must fail
                         (RFC 5802 section 6, the downgrade check)

Known deviations: conformance/expectations/<peer>.expect, one line per case,
"<case-id> <peer outcome> [ours=<outcome>] -- <reason>" with the outcome
`accepted` or `refused` (what the peer concluded; ours= what our side then
concludes, when the deviation changes it). A listed case must show the listed
outcomes; an unlisted one the RFC's. Every byte from a peer is escaped before
it is printed.
"""

import base64
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

USER = "user"
PASSWORD = "pencil"
WRONG_PASSWORD = "pencil!"
CB_DATA = bytes(range(32))  # 32 bytes, like an RFC 9266 tls-exporter value
CB_OTHER = bytes(range(1, 33))
STEP_TIMEOUT = 10.0  # seconds for any one read
TOTAL_TIMEOUT = 30.0  # seconds for a whole case
MAX_LINE = 64 * 1024  # the relay refuses longer lines from either side

GSASL_PROMPTS = [
    b"Enter base64 encoded tls-exporter channel binding: ",
    b"Enter base64 encoded tls-unique channel binding: ",
]


def cases():
    out = []
    peers = {
        "gsasl": {
            "scram": ["SCRAM-SHA-1", "SCRAM-SHA-256"],
            "plus": [("SCRAM-SHA-1-PLUS", "tls-exporter"), ("SCRAM-SHA-256-PLUS", "tls-exporter"),
                     ("SCRAM-SHA-256-PLUS", "tls-unique")],
        },
        "cyrus-sasl": {
            "scram": ["SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512"],
            "plus": [("SCRAM-SHA-1-PLUS", "tls-exporter"), ("SCRAM-SHA-256-PLUS", "tls-exporter"),
                     ("SCRAM-SHA-512-PLUS", "tls-exporter"), ("SCRAM-SHA-256-PLUS", "tls-server-end-point")],
        },
    }
    for peer, mechs in peers.items():
        for role in ("server", "client"):
            for m in mechs["scram"]:
                for kind in ("ok", "wrong-password", "tampered-client-final", "tampered-server-final",
                             "server-nonce-changed"):
                    out.append(f"{peer}/{role}/{m}/{kind}")
            for kind in ("ok", "wrong-password"):
                out.append(f"{peer}/{role}/PLAIN/{kind}")
            for m, t in mechs["plus"]:
                for kind in ("ok", "cb-mismatch", "tampered-client-final"):
                    out.append(f"{peer}/{role}/{m}.{t}/{kind}")
            out.append(f"{peer}/{role}/SCRAM-SHA-256.tls-exporter/plus-stripped")
            if role == "client":
                out.append(f"{peer}/client/SCRAM-SHA-256/server-error-reported")
    return out


def escape(data):
    """Printable ASCII as is, everything else (and backslash) as \\xHH."""
    out = []
    for b in data:
        if 0x20 <= b < 0x7F and b != 0x5C:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def show_line(line):
    """A line for the log: escaped, with its base64 decoded when it is."""
    text = escape(line)
    try:
        decoded = base64.b64decode(line, validate=True)
        if line:
            text += "  [" + escape(decoded) + "]"
    except Exception:
        pass
    return text


class Side:
    """One process of the exchange and how to talk to it."""

    def __init__(self, name, argv, gsasl, cb_type=None, cb_data=None):
        self.name = name
        self.argv = argv
        self.gsasl = gsasl
        self.cb_type = cb_type
        self.cb_data = cb_data
        self.proc = None
        self.buf = b""
        self.count = 0  # lines read from it
        self.eof = False
        self.stderr_path = None
        self.lines = []  # every line it printed, as printed

    def start(self, tmp):
        self.stderr_path = os.path.join(tmp, self.name + ".err")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(self.stderr_path, "wb"), cwd=tmp)

    def write(self, line, log, label):
        log.append(f"  relay -> {self.name}: {label}{show_line(line)}")
        try:
            self.proc.stdin.write(line + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            log.append(f"  ({self.name} no longer reads)")

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read()


def flip_bit_in_attr(message, attr):
    """Flip the low bit of the first byte of base64 attribute |attr| (p= or
    v=) in a decoded SCRAM message; the result stays well-formed."""
    parts = message.split(b",")
    for i, p in enumerate(parts):
        if p.startswith(attr):
            try:
                value = bytearray(base64.b64decode(p[len(attr):], validate=True))
            except Exception:
                break
            if not value:
                break
            value[0] ^= 1
            parts[i] = attr + base64.b64encode(bytes(value))
            return b",".join(parts)
    # Not found or not base64: flip a bit in the middle of the message.
    m = bytearray(message)
    if m:
        m[len(m) // 2] ^= 1
    return bytes(m)


def change_nonce(line, log):
    """server-first with the first nonce byte changed (still printable)."""
    try:
        decoded = base64.b64decode(line, validate=True)
    except Exception:
        return line
    if not decoded.startswith(b"r=") or len(decoded) < 3:
        return line
    first = decoded[2:3]
    changed = decoded[:2] + (b"A" if first != b"A" else b"B") + decoded[3:]
    log.append(f"  relay: changing the server-first nonce: {escape(decoded)} -> {escape(changed)}")
    return base64.b64encode(changed)


def tamper(line, attr, log, who):
    try:
        decoded = base64.b64decode(line, validate=True)
    except Exception:
        log.append(f"  relay: {who} line is not base64, flipping a character")
        return line[:-1] + (b"B" if line[-1:] != b"B" else b"C")
    changed = flip_bit_in_attr(decoded, attr)
    log.append(f"  relay: tampering {who}: {escape(decoded)} -> {escape(changed)}")
    return base64.b64encode(changed)


def relay(client, server, tamper_client_line, tamper_server_line, change_server_nonce, log):
    """Forwards lines until both sides have closed their output (or the
    total timeout). Line n of a side counts from 0 (the mechanism line)."""
    server_final_index = 2 if client.mech == "PLAIN" else 3
    deadline = time.monotonic() + TOTAL_TIMEOUT
    last_progress = time.monotonic()
    sides = {client.proc.stdout.fileno(): client, server.proc.stdout.fileno(): server}
    while not (client.eof and server.eof):
        now = time.monotonic()
        if now > deadline or now - last_progress > STEP_TIMEOUT:
            log.append("  relay: timeout (a side stopped answering)")
            return False
        fds = [fd for fd, s in sides.items() if not s.eof]
        ready, _, _ = select.select(fds, [], [], 0.2)
        for fd in ready:
            s = sides[fd]
            other = server if s is client else client
            data = os.read(fd, 65536)
            last_progress = time.monotonic()
            if not data:
                s.eof = True
                if s.buf:
                    log.append(f"  {s.name}: (unterminated) {show_line(s.buf)}")
                log.append(f"  {s.name}: end of output")
                if other.gsasl and other is server:
                    # gsasl's server reads one line after each step; give it the
                    # last one so it reports its result.
                    other.write(b"", log, "(end) ")
                other.close_stdin()
                continue
            s.buf += data
            while True:
                # gsasl asks for channel-binding data on stdout, with no newline.
                if s.gsasl:
                    for prompt in GSASL_PROMPTS:
                        if s.buf.startswith(prompt):
                            s.buf = s.buf[len(prompt):]
                            wanted = prompt.split()[3].decode()
                            answer = base64.b64encode(s.cb_data) if s.cb_type == wanted and s.cb_data else b""
                            log.append(f"  {s.name}: (asks for {wanted} binding data)")
                            s.write(answer, log, "")
                if b"\n" not in s.buf:
                    if len(s.buf) > MAX_LINE:
                        log.append(f"  relay: {s.name} sent a line over {MAX_LINE} bytes")
                        return False
                    break
                line, s.buf = s.buf.split(b"\n", 1)
                n = s.count
                s.count += 1
                log.append(f"  {s.name}[{n}]: {show_line(line)}")
                s.lines.append(line)
                if s is client and n == tamper_client_line:
                    line = tamper(line, b"p=", log, "client-final")
                if s is server and n == tamper_server_line:
                    line = tamper(line, b"v=", log, "server-final")
                if s is server and n == 2 and change_server_nonce:
                    line = change_nonce(line, log)
                # gsasl reads neither the mechanism line nor, as a client, the
                # server's empty initial challenge.
                if other.gsasl and (n == 0 or (s is server and n == 1)):
                    log.append(f"  relay: not forwarded to {other.name} (gsasl does not read it)")
                    continue
                other.write(line, log, "")
                if s is server and other.gsasl and n == server_final_index:
                    # gsasl's client reads one more line after its last step.
                    other.write(b"", log, "(end) ")
    return True


def gsasl_argv(role, mech, user, password, cb):
    argv = ["gsasl", "--" + role, "--mechanism", mech, "-a", user, "-p", password]
    if role == "server":
        argv += ["--iteration-count", "4096"]
    if cb is None:
        argv.append("--no-cb")
    return argv


def run_case(case, xmppfuzz, cyrus_peer, tmp):
    peer, role, mech_spec, kind = case.split("/")
    mech, _, cb_type = mech_spec.partition(".")
    cb_type = cb_type or None
    client_password = WRONG_PASSWORD if kind in ("wrong-password", "server-error-reported") else PASSWORD
    server_cb = CB_DATA if cb_type else None
    client_cb = (CB_OTHER if kind == "cb-mismatch" else CB_DATA) if cb_type else None

    def ours(r, password, cb):
        argv = [xmppfuzz, "sasl", "--" + r, "--mechanism", mech, "--user", USER, "--password", password]
        if cb is not None:
            argv += ["--cb-type", cb_type, "--cb-data", cb.hex()]
        return Side("xmppfuzz-" + r, argv, gsasl=False)

    def theirs(r, password, cb):
        if peer == "gsasl":
            s = Side("gsasl-" + r, gsasl_argv(r, mech, USER, password, cb), gsasl=True, cb_type=cb_type, cb_data=cb)
        else:
            d = tempfile.mkdtemp(prefix="cyrus-", dir=tmp)
            argv = [cyrus_peer, "--" + r, "--mechanism", mech, "--user", USER, "--password", password, "--dir", d]
            if cb is not None:
                argv += ["--cb-type", cb_type, "--cb-data", cb.hex()]
            s = Side("cyrus-" + r, argv, gsasl=False)
        return s

    if role == "server":
        server = theirs("server", PASSWORD, server_cb)
        client = ours("client", client_password, client_cb)
    else:
        server = ours("server", PASSWORD, server_cb)
        client = theirs("client", client_password, client_cb)
    client.mech = server.mech = mech
    log = [f"case {case}", "  client: " + " ".join(client.argv), "  server: " + " ".join(server.argv)]
    server.start(tmp)
    client.start(tmp)
    tamper_client = 2 if kind == "tampered-client-final" else None
    tamper_server = 3 if kind == "tampered-server-final" else None
    finished = relay(client, server, tamper_client, tamper_server, kind == "server-nonce-changed", log)
    results = {}
    for s in (client, server):
        try:
            s.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            s.proc.wait()
            finished = False
        err = s.stderr()
        if s.gsasl:
            accepted = b"authentication finished" in err
        else:
            accepted = s.proc.returncode == 0
        results[s.name] = (accepted, s.proc.returncode, err)
        log.append(f"  {s.name}: exit {s.proc.returncode}, {'accepted' if accepted else 'refused'}")
        for line in err.splitlines()[-4:]:
            log.append(f"    stderr: {escape(line)}")
    return log, finished, client, server, results


def gs2_flag(client):
    """The gs2 header of the client's client-first (line 1), or '-'."""
    if client.mech == "PLAIN" or len(client.lines) < 2:
        return "-"
    try:
        first = base64.b64decode(client.lines[1], validate=True)
    except Exception:
        return "(not base64)"
    return escape(first.split(b",")[0])


def rfc_outcome(kind):
    """(client accepts, server accepts) per the RFC for a case kind."""
    return {
        "ok": (True, True),
        "wrong-password": (False, False),
        "tampered-client-final": (False, False),
        "tampered-server-final": (False, True),
        "cb-mismatch": (False, False),
        "server-nonce-changed": (False, False),
        "plus-stripped": (False, False),
        "server-error-reported": (False, False),
    }[kind]


# What our side must say when it refuses: the sasl::Error names allowed in
# its one-line reason. A client refused by a server sees either the server's
# e= value or the end of the exchange.
OUR_CODES = {
    ("server", "wrong-password"): ["proof-mismatch server-error=invalid-proof", "plain-bad-credentials"],
    ("server", "server-error-reported"): ["proof-mismatch server-error=invalid-proof"],
    ("server", "tampered-client-final"): ["proof-mismatch server-error=invalid-proof"],
    ("server", "cb-mismatch"): ["channel-binding-mismatch server-error=channel-bindings-dont-match"],
    ("client", "tampered-server-final"): ["server-signature-mismatch"],
    ("client", "server-nonce-changed"): ["nonce-not-prefixed"],
    ("client", "wrong-password"): ["server-error-received", "aborted"],
    ("client", "tampered-client-final"): ["server-error-received", "aborted"],
    ("client", "cb-mismatch"): ["server-error-received", "aborted"],
    ("client", "plus-stripped"): ["server-error-received", "aborted"],
    # The client sends 'y' and is refused, or gives up before client-first.
    ("server", "plus-stripped"): ["client-thinks-no-plus server-error=server-does-support-channel-binding", "aborted"],
}


def load_expectations(path):
    known = {}
    if not os.path.exists(path):
        return known
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            head, sep, reason = line.partition(" -- ")
            fields = head.split()
            ours = None
            if len(fields) == 3 and fields[2] in ("ours=accepted", "ours=refused"):
                ours = fields.pop() == "ours=accepted"
            if not sep or not reason.strip() or len(fields) != 2 or fields[1] not in ("accepted", "refused", "malformed"):
                raise SystemExit(f"{path}:{n}: expected '<case-id> accepted|refused|malformed [ours=accepted|refused] -- <reason>'")
            if fields[0] in known:
                raise SystemExit(f"{path}:{n}: case '{fields[0]}' listed twice")
            known[fields[0]] = (fields[1], ours, reason.strip())
    return known


def peer_available(peer, mech, cyrus_peer, tmp):
    """None if the peer can run |mech|, else the reason it cannot."""
    if peer == "gsasl":
        if shutil.which("gsasl") is None:
            return "gsasl is not installed (Debian package gsasl; scripts/setup installs it)"
        out = subprocess.run(["gsasl", "--server-mechanisms", "--quiet"], capture_output=True, timeout=10).stdout.split()
        if mech.encode() not in out:
            return f"this gsasl has no {mech} server mechanism"
        return None
    if not cyrus_peer or not os.path.exists(cyrus_peer):
        return "cyrus_peer was not built (libsasl2-dev was missing when CMake ran; scripts/setup installs it)"
    base_mech = mech[:-5] if mech.endswith("-PLUS") else mech
    d = tempfile.mkdtemp(prefix="cyrus-check-", dir=tmp)
    r = subprocess.run([cyrus_peer, "--has-mechanism", base_mech, "--dir", d], capture_output=True, timeout=10)
    if r.returncode != 0:
        return escape(r.stderr.strip()) or f"libsasl2 has no {base_mech}"
    return None


def main():
    args = sys.argv[1:]
    if args == ["list"]:
        print("\n".join(cases()))
        return 0
    if len(args) < 2 or args[0] != "run":
        print("usage: interop.py list | run CASE --xmppfuzz PATH --cyrus-peer PATH --source-dir DIR", file=sys.stderr)
        return 2
    case = args[1]
    opts = dict(zip(args[2::2], args[3::2]))
    if case not in cases():
        print(f"interop.py: unknown case '{case}'", file=sys.stderr)
        return 2
    xmppfuzz = opts.get("--xmppfuzz")
    cyrus_peer = opts.get("--cyrus-peer", "")
    source_dir = opts.get("--source-dir", ".")
    peer, role, mech_spec, kind = case.split("/")
    known = load_expectations(os.path.join(source_dir, "conformance", "expectations", peer + ".expect"))
    tmp = tempfile.mkdtemp(prefix="xmppfuzz-interop-")
    try:
        why = peer_available(peer, mech_spec.partition(".")[0], cyrus_peer, tmp)
        if why is not None:
            print(f"SKIP {case}: {why}")
            return 77
        log, finished, client, server, results = run_case(case, xmppfuzz, cyrus_peer, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(log))
    problems = []
    if not finished:
        problems.append("the exchange did not finish within the time limits")
    want_client, want_server = rfc_outcome(kind)
    peer_side, our_side = (server, client) if role == "server" else (client, server)
    want_peer = want_server if role == "server" else want_client
    want_ours = want_client if role == "server" else want_server
    peer_accepted, _, peer_err = results[peer_side.name]
    our_accepted, _, our_err = results[our_side.name]
    peer_word = "accepted" if peer_accepted else "refused"
    if kind == "server-error-reported" and not peer_accepted and any(
            m in peer_err for m in (b"could not parse input", b"bad protocol")):
        peer_word = "malformed"  # gsasl's / Cyrus's parse-error report
    want_word = "accepted" if want_peer else "refused"
    if case in known:
        listed, ours, reason = known[case]
        rfc = "accepted" if want_peer else "refused"
        if listed == rfc:
            problems.append(f"{peer}.expect lists '{listed}', which is the RFC's outcome: not a deviation")
        want_peer = listed == "accepted"
        want_word = listed
        if ours is not None:
            want_ours = ours
        print(f"known deviation ({peer}.expect): peer {listed} -- {reason}")
    if peer_word != want_word:
        problems.append(f"{peer_side.name} {peer_word}, expected {want_word}")
    if our_accepted != want_ours:
        problems.append(f"{our_side.name} {'accepted' if our_accepted else 'refused'}, expected "
                        f"{'accepted' if want_ours else 'refused'}")
    our_role = "client" if role == "server" else "server"
    if not our_accepted:
        codes = OUR_CODES.get((our_role, kind), [])
        if mech_spec == "PLAIN" and our_role == "client":
            codes = ["aborted"]
        if codes and not any(c.encode() in our_err for c in codes):
            problems.append(f"{our_side.name}'s reason names none of: {', '.join(codes)}")
        if PASSWORD.encode() in our_err:
            problems.append(f"{our_side.name}'s reason contains the password")
    if problems:
        for p in problems:
            print("FAIL " + p)
        return 1
    print(f"client gs2 flag: {gs2_flag(client)}")
    print(f"PASS {case}: client {'accepted' if results[client.name][0] else 'refused'}, "
          f"server {'accepted' if results[server.name][0] else 'refused'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
