#!/usr/bin/python3
"""A correct exec-persistent adapter (protocol 1): each request is played
through `xmppfuzz parse` (a fresh process, so a fresh parser), whose lines
are already the answer format.

Usage: parse_persistent.py XMPPFUZZ [--crash-on MARKER] [--route | --route-unescaped]
  --crash-on: an input containing MARKER gets half an answer, then the
  adapter kills itself with SIGSEGV (tests of the restart).
  --route: after each stanza line, a routed line with the stanza's
  canonical form (a server that forwards what it parsed, faithfully).
  --route-unescaped: the same, but the re-serialisation "forgets" to escape
  text: &lt; &gt; &amp; become < > & again. A planted server bug for the
  smuggling tests (a routed stanza then carries further stanzas).
"""
import os
import signal
import subprocess
import sys


def escape_routed(data):
    out = bytearray()
    for b in data:
        if b == 0x5C:
            out += b"\\\\"
        elif b < 0x20 or b == 0x7F:
            out += b"\\x%02x" % b
        else:
            out.append(b)
    return bytes(out)


def add_routed(answer, unescaped):
    lines = []
    for line in answer.split(b"\n"):
        lines.append(line)
        if line.startswith(b"stanza "):
            stanza = line[len(b"stanza "):]
            if unescaped:
                stanza = stanza.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&amp;", b"&")
            lines.append(b"routed " + escape_routed(stanza))
    return b"\n".join(lines)


def main():
    xmppfuzz = sys.argv[1]
    marker = None
    route = None
    args = sys.argv[2:]
    while args:
        if args[0] == "--crash-on" and len(args) >= 2:
            marker = args[1].encode()
            args = args[2:]
        elif args[0] in ("--route", "--route-unescaped"):
            route = args[0]
            args = args[1:]
        else:
            sys.stderr.write("usage: parse_persistent.py XMPPFUZZ [--crash-on MARKER] [--route | --route-unescaped]\n")
            return 2
    out = sys.stdout.buffer
    inp = sys.stdin.buffer
    out.write(b"xmppfuzz-exec 1 xmppfuzz-parse\n")
    out.flush()
    while True:
        header = inp.readline()
        if not header:
            return 0
        fields = header.split()
        if len(fields) < 3 or fields[0] != b"input" or fields[1] not in (b"server", b"client"):
            sys.stderr.write("bad request header %r\n" % header)
            return 2
        size = int(fields[2])
        data = inp.read(size)
        if len(data) != size:
            return 2
        args = [xmppfuzz, "parse", "--side", fields[1].decode(), "-"]
        if b"profile=authenticated" in fields[3:]:
            args.insert(2, "--authenticated")
        answer = subprocess.run(args, input=data, stdout=subprocess.PIPE, check=False).stdout
        if marker is not None and marker in data:
            out.write(answer[: len(answer) // 2])
            out.flush()
            os.kill(os.getpid(), signal.SIGSEGV)
        if route is not None:
            answer = add_routed(answer, route == "--route-unescaped")
        out.write(answer)
        out.write(b"log played %d bytes\ndone\n" % size)
        out.flush()


if __name__ == "__main__":
    sys.exit(main())
