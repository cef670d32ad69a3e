#!/usr/bin/python3
"""A correct exec-persistent adapter (protocol 1): each request is played
through `xmppfuzz parse` (a fresh process, so a fresh parser), whose lines
are already the answer format.

Usage: parse_persistent.py XMPPFUZZ [--crash-on MARKER]
  --crash-on: an input containing MARKER gets half an answer, then the
  adapter kills itself with SIGSEGV (tests of the restart).
"""
import os
import signal
import subprocess
import sys


def main():
    xmppfuzz = sys.argv[1]
    marker = None
    if len(sys.argv) == 4 and sys.argv[2] == "--crash-on":
        marker = sys.argv[3].encode()
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
        out.write(answer)
        out.write(b"log played %d bytes\ndone\n" % size)
        out.flush()


if __name__ == "__main__":
    sys.exit(main())
