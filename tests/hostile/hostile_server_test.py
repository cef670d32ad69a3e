#!/usr/bin/python3
"""Tests of the hostile-server harness (issue 15) with the test driver of
tests/hostile/clients: `xmppfuzz conform --target client:<mode>` is run as a
child process and its JSON report is checked vector by vector.

  careful     every kind: client vector passes
  vulnerable  every vector that can be failed by a client's choices fails
              with the vector's own finding (or the resource verdict named
              below), so each check is shown to fire
  hang / spin / grow / crash
              one vector; the verdict is hung / cpu-bound / memory / crashed
              and the run ends within its limit
  slow        the vulnerable driver, busy on the CPU for longer than the
              server's idle wait before its SASL step: the server
              waits for it, the scenario runs and the finding is reported
              (a server that gave up on it judged a scenario never played)
  skip        a driver that is not built, and one whose package is missing:
              exit 3 (ctest's skip code) with the reason, every vector n/a
  escape      no byte a driver printed reaches the report unescaped

Usage: hostile_server_test.py CASE XMPPFUZZ SOURCE_DIR
Exit 3 when the sandbox cannot be entered here (not root): skipped.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

CASE, XMPPFUZZ, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
CLIENTS = os.path.join(SRC, 'tests', 'hostile', 'clients')
SUITE = os.path.join(SRC, 'conformance', 'vectors')

# What the vulnerable test driver shows per vector when it is not simply
# "vulnerable <the vector's finding>".
VULNERABLE_OTHER = {
    # It really runs PBKDF2 with i=4294967295: the CPU limit stops it.
    'client-sasl/iterations-huge': {'cpu-bound', 'hung'},  # hung when a busy machine leaves it under half a core
    # It expands 10^9 "lol"s: the memory (or CPU) limit stops it.
    'client-xml/billion-laughs': {'memory', 'cpu-bound', 'hung', 'vulnerable expanded-entity-bomb'},
    'client-xml/quadratic-blowup': {'memory', 'cpu-bound', 'hung', 'vulnerable expanded-entity-bomb'},
}
# The floods: the naive parser (a regex over a growing buffer) may be too
# slow for them; that is a resource verdict, never a finding.
FLOOD_OUTCOMES = {'safe', 'hung', 'cpu-bound', 'memory'}
# The floods only fail on resource verdicts (the hang/spin/grow/crash cases
# show those), and the smuggling vectors whose bytes the naive parser happens
# to split as the reference does stay safe.
SAFE_FOR_VULNERABLE = {
    'client-xml/depth-flood', 'client-xml/attribute-flood', 'client-xml/size-flood',
}


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def run(target, extra=(), expect_rc=None):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'report.json')
        cmd = [XMPPFUZZ, 'conform', '--suite', SUITE, '--clients', CLIENTS, '--target', 'client:' + target,
               '--format', 'json', '--out', out, '--jobs', '2'] + list(extra)
        start = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, timeout=900)
        wall = time.monotonic() - start
        if b'no sandbox' in p.stdout + p.stderr and CASE != 'skip':
            print('skipped because: ' + (p.stdout + p.stderr).decode('utf-8', 'replace').strip().splitlines()[-1])
            sys.exit(3)
        if expect_rc is not None and p.returncode != expect_rc:
            fail('%s: exit %d, expected %d\nstdout: %s\nstderr: %s' % (
                target, p.returncode, expect_rc, p.stdout.decode('utf-8', 'replace')[-3000:],
                p.stderr.decode('utf-8', 'replace')[-2000:]))
        with open(out, encoding='utf-8') as f:
            report = json.load(f)
        return report, p, wall


def results(report):
    (target,) = report['targets']
    return {r['id']: r for r in target['vectors']}


def client_ids():
    ids = []
    for category in ('client-tls', 'client-sasl', 'client-xml', 'client-origin'):
        d = os.path.join(SUITE, category)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), encoding='utf-8') as f:
                for line in f:
                    if line.startswith('[') and line.rstrip().endswith(']'):
                        ids.append(line.strip()[1:-1])
    return ids


def findings():
    out = {}
    current = None
    for category in ('client-tls', 'client-sasl', 'client-xml', 'client-origin'):
        d = os.path.join(SUITE, category)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), encoding='utf-8') as f:
                for line in f:
                    if line.startswith('['):
                        current = line.strip()[1:-1]
                    elif line.startswith('finding: '):
                        out[current] = line[9:].strip()
    return out


def outcome(r):
    return r.get('observed', r.get('outcome', ''))


def case_careful():
    report, p, _ = run('careful', expect_rc=0)
    rs = results(report)
    ids = client_ids()
    if sorted(rs) != sorted(ids):
        fail('the report does not list exactly the client vectors: %d vs %d' % (len(rs), len(ids)))
    for vid in ids:
        if rs[vid]['verdict'] != 'pass':
            fail('%s: %s (%s)\n%s' % (vid, rs[vid]['verdict'], rs[vid].get('message', ''), rs[vid].get('detail', '')))
    print('careful: %d vectors pass' % len(ids))


def case_vulnerable():
    report, p, _ = run('vulnerable', ['--client-wall-ms', '8000', '--client-cpu-s', '5'], expect_rc=1)
    rs = results(report)
    want = findings()
    bad = []
    for vid, finding in sorted(want.items()):
        r = rs[vid]
        got = outcome(r)
        if vid in SAFE_FOR_VULNERABLE:
            ok = got in FLOOD_OUTCOMES and (r['verdict'] == 'pass') == (got == 'safe')
        elif vid in VULNERABLE_OTHER:
            ok = r['verdict'] == 'fail' and got in VULNERABLE_OTHER[vid]
        elif vid.startswith('client-xml/smuggling-'):
            ok = r['verdict'] in ('fail', 'pass') and got in ('safe', 'vulnerable smuggled-stanza')
        else:
            ok = r['verdict'] == 'fail' and got == 'vulnerable ' + finding
        if not ok:
            bad.append('%s: %s %s (%s)' % (vid, r['verdict'], got, r.get('message', '')))
    smuggled = sum(1 for vid in want if vid.startswith('client-xml/smuggling-') and outcome(rs[vid]) != 'safe')
    if smuggled < 3:
        bad.append('only %d smuggling vectors caught the naive parser' % smuggled)
    if bad:
        fail('\n'.join(bad))
    print('vulnerable: every check fired (%d smuggling vectors smuggled)' % smuggled)


def case_resource(mode, verdict, extra, bound_s):
    report, p, wall = run(mode, ['--filter', 'client-origin/carbon-from-other-jid'] + extra, expect_rc=1)
    r = results(report)['client-origin/carbon-from-other-jid']
    if outcome(r) != verdict or r['verdict'] != 'fail':
        fail('%s: expected %s, got %s %s\n%s' % (mode, verdict, r['verdict'], outcome(r), r.get('detail', '')))
    if wall > bound_s:
        fail('%s: the run took %.1f s (bound %d s)' % (mode, wall, bound_s))
    print('%s: %s in %.1f s' % (mode, verdict, wall))


def case_slow():
    # 4.5 s of CPU before its SASL step, over the server's 3 s idle wait.
    vid = 'client-xml/comment'
    report, p, wall = run('slow', ['--filter', vid], expect_rc=1)
    r = results(report)[vid]
    if outcome(r) != 'vulnerable accepted-comment' or r['verdict'] != 'fail':
        fail('slow: expected vulnerable accepted-comment, got %s %s\n%s' % (r['verdict'], outcome(r), r.get('detail', '')))
    if 'waiting on a busy client' not in r.get('detail', ''):
        fail('slow: the server timeline does not say it waited on the busy client\n%s' % r.get('detail', ''))
    print('slow: the busy client was waited for; %s in %.1f s' % (outcome(r), wall))


def case_skip():
    for target, reason in (('not-built', 'driver not built: libxmppfuzz-no-such-dev missing'),
                           ('no-package', 'package missing: python3-xmppfuzz-no-such-package')):
        report, p, _ = run(target, expect_rc=3)
        if reason.encode() not in p.stderr:
            fail('%s: stderr lacks the reason %r: %r' % (target, reason, p.stderr[-500:]))
        for vid, r in results(report).items():
            if r['verdict'] != 'n/a' or reason not in r.get('message', ''):
                fail('%s: %s is %s (%s), not skipped' % (target, vid, r['verdict'], r.get('message')))
    print('skip: both drivers skipped with their reasons')


def case_escape():
    # The crash driver's abort, and the vulnerable driver's echo of server
    # bytes (invalid UTF-8, controls): the text report must hold no control
    # byte but LF and TAB, and no invalid UTF-8.
    report, p, _ = run('vulnerable', ['--filter', 'client-xml/invalid-utf8'], expect_rc=1)
    if b'accepted-invalid-utf8' not in p.stdout or b'xf-utf8' not in p.stdout:
        fail('the text report does not show the invalid-utf8 finding and the stanza: %r' % p.stdout[-2000:])
    for stream in (p.stdout,):
        for b in stream:
            if b < 0x20 and b not in (0x0a, 0x09):
                fail('a control byte 0x%02x reached the report' % b)
        stream.decode('utf-8')
    print('escape: the report is clean')


def case_websocket():
    # RFC 7395 over wss: the careful driver passes every vector that applies
    # (the STARTTLS-level ones are n/a); the vulnerable one takes every bad
    # certificate, so the wss layer carries the scenario's certificate.
    report, p, _ = run('careful-ws', expect_rc=0)
    rs = results(report)
    tcp_only = set()
    for category in ('client-tls', 'client-sasl'):
        d = os.path.join(SUITE, category)
        for name in os.listdir(d):
            current = None
            with open(os.path.join(d, name), encoding='utf-8') as f:
                for line in f:
                    if line.startswith('['):
                        current = line.strip()[1:-1]
                    elif line.strip() == 'transport: tcp':
                        tcp_only.add(current)
    if not tcp_only:
        fail('no transport: tcp vector found')
    for vid, r in rs.items():
        want = 'n/a' if vid in tcp_only else 'pass'
        if r['verdict'] != want:
            fail('careful-ws %s: %s, expected %s (%s)\n%s' % (vid, r['verdict'], want, r.get('message', ''),
                                                             r.get('detail', '')))
    report, p, _ = run('vulnerable-ws', ['--filter', 'client-tls/cert-*'], expect_rc=1)
    for vid, r in results(report).items():
        if outcome(r) != 'vulnerable accepted-bad-certificate':
            fail('vulnerable-ws %s: %s' % (vid, outcome(r)))
    print('websocket: %d vectors pass, %d n/a; bad certificates over wss are caught' % (
        len(rs) - len(tcp_only), len(tcp_only)))


CASES = {
    'careful': case_careful,
    'vulnerable': case_vulnerable,
    'hang': lambda: case_resource('hang', 'hung', ['--client-wall-ms', '3000'], 30),
    'spin': lambda: case_resource('spin', 'cpu-bound', ['--client-cpu-s', '2'], 30),
    'grow': lambda: case_resource('grow', 'memory', ['--client-memory-mib', '256'], 30),
    'crash': lambda: case_resource('crash', 'crashed', [], 30),
    'slow': case_slow,
    'skip': case_skip,
    'escape': case_escape,
    'websocket': case_websocket,
}

if __name__ == '__main__':
    if os.geteuid() != 0 and CASE != 'skip':
        print('skipped because: the sandbox (unshare of the network and mount namespaces) needs root')
        sys.exit(3)
    CASES[CASE]()
