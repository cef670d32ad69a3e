#!/usr/bin/python3
"""Handshakes, then answers every request with a line the protocol does not
allow, then done. MODE: blank (an empty line), binary (terminal escapes and
a byte that is not UTF-8), crlf (CR LF line ends), after-done (a stray
line after done)."""
import sys

mode = sys.argv[1]
out = sys.stdout.buffer
out.write(b"xmppfuzz-exec 1 garbage\n")
out.flush()
while True:
    header = sys.stdin.buffer.readline()
    if not header:
        sys.exit(0)
    sys.stdin.buffer.read(int(header.split()[2]))
    if mode == "blank":
        out.write(b"stream-open <stream:stream/>\n\ndone\n")
    elif mode == "binary":
        out.write(b"\x1b[31mevil\x07 \xff\ndone\n")
    elif mode == "crlf":
        out.write(b"stream-close\r\ndone\r\n")
    elif mode == "after-done":
        out.write(b"done\nstream-close\n")
    out.flush()
