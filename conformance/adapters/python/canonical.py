"""Canonical form and exec-protocol framing shared by the Python adapters.

Renders an element tree (xml.etree.ElementTree or lxml: tags "{ns}local",
attributes keyed the same way, .text/.tail) in the canonical form of the
README ("Canonical form"), the one `xmppfuzz parse` prints, and runs the exec
adapter protocol (version 1) loop around a per-input callback.
"""

import os
import re
import sys

XML_NS = "http://www.w3.org/XML/1998/namespace"
STREAMS_NS = "http://etherx.jabber.org/streams"

_ATTR_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                 "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;", "\r": "&#13;"}
_ATTR_TABLE = str.maketrans(_ATTR_ESCAPES)
_TEXT_TABLE = str.maketrans(_TEXT_ESCAPES)


def escape_attr(value):
    return value.translate(_ATTR_TABLE)


def escape_text(value):
    return value.translate(_TEXT_TABLE)


def split_name(name):
    """Returns (namespace, local) for "{ns}local" (namespace "" for "local")."""
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def _sort_key(item):
    # (namespace, local) compared as UTF-8 bytes, as the C++ serializer does.
    return (item[0].encode("utf-8", "surrogatepass"), item[1].encode("utf-8", "surrogatepass"))


def attributes(attrib):
    """Renders |attrib| (a mapping "{ns}local" or (ns, local) -> value) in
    canonical order, with the n0, n1, ... declarations first."""
    items = []
    for key, value in attrib.items():
        if isinstance(key, tuple):
            ns, local = key[0] or "", key[1]
        else:
            ns, local = split_name(key)
        items.append((ns, local, value))
    items.sort(key=_sort_key)
    prefixed = []
    out = []
    for ns, _, _ in items:
        if ns and ns != XML_NS and ns not in prefixed:
            out.append(' xmlns:n%d="%s"' % (len(prefixed), escape_attr(ns)))
            prefixed.append(ns)
    for ns, local, value in items:
        if ns == XML_NS:
            qname = "xml:" + local
        elif ns:
            qname = "n%d:%s" % (prefixed.index(ns), local)
        else:
            qname = local
        out.append(' %s="%s"' % (qname, escape_attr(value)))
    return "".join(out)


def _is_element(node):
    # lxml comments and processing instructions have a non-string tag.
    return isinstance(node.tag, str)


def element(e, parent_ns=None):
    """Canonical string of element |e|; xmlns is written when its namespace
    differs from |parent_ns| (always when parent_ns is None)."""
    out = []
    _append(out, e, parent_ns)
    return "".join(out)


def _append(out, e, parent_ns):
    ns, local = split_name(e.tag)
    out.append("<" + local)
    if parent_ns is None or parent_ns != ns:
        out.append(' xmlns="%s"' % escape_attr(ns))
    out.append(attributes(e.attrib))
    parts = []  # ("text", s) or ("elem", child), adjacent text merged
    if e.text:
        parts.append(["text", e.text])
    for child in e:
        if _is_element(child):
            parts.append(["elem", child])
        if child.tail:
            if parts and parts[-1][0] == "text":
                parts[-1][1] += child.tail
            else:
                parts.append(["text", child.tail])
    if not parts:
        out.append("/>")
        return
    out.append(">")
    for kind, value in parts:
        if kind == "text":
            out.append(escape_text(value))
        else:
            _append(out, value, ns)
    out.append("</%s>" % local)


def header(tag, attrib, content_ns):
    """Canonical stream header start tag: |tag| "{ns}local" of the root,
    |attrib| its attributes, |content_ns| its default namespace declaration
    ("" when none). A root that is not {streams}stream is written like an
    element, unclosed, as the reference does."""
    ns, local = split_name(tag)
    if ns == STREAMS_NS and local == "stream":
        return '<stream:stream xmlns:stream="%s" xmlns="%s"%s>' % (
            STREAMS_NS, escape_attr(content_ns), attributes(attrib))
    return '<%s xmlns="%s"%s>' % (local, escape_attr(ns), attributes(attrib))


def escape_log(text):
    """One-line form of diagnostic |text|: backslash, C0 controls and DEL as
    escapes (xmppfuzz escapes what it prints again)."""
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    return "".join(out)


class Output:
    """Collects the answer lines of one input."""

    def __init__(self):
        self.lines = []
        self.error_written = False

    def stream_open(self, text):
        self._add("stream-open " + text)

    def stanza(self, text):
        self._add("stanza " + text)

    def stream_close(self):
        self._add("stream-close")

    def error(self, condition):
        # At most one error line, and it is the last event line.
        if not self.error_written:
            self._add("error " + condition)
            self.error_written = True

    def log(self, text):
        self.lines.append("log " + escape_log(text))

    def _add(self, line):
        if self.error_written:
            return
        self.lines.append(line)


def _write(stream, lines):
    for line in lines:
        stream.write(line.encode("utf-8", "surrogateescape") + b"\n")
    stream.flush()


USAGE = "usage: run --persistent | --once | --check"


def mode(argv):
    """Returns the mode of an adapter's `run` from its arguments |argv|
    (sys.argv[1:]): "persistent", "once" or "check". Anything else (no
    argument, another one, more than one) writes the usage line to stderr
    and exits 2. Called before the implementation is imported, so a usage
    error is told apart from a missing implementation."""
    if len(argv) == 1 and argv[0] in ("--persistent", "--once", "--check"):
        return argv[0][2:]
    sys.stderr.write(USAGE + "\n")
    sys.exit(2)


def missing(reason):
    """Ends an adapter whose implementation cannot be loaded: |reason| (one
    line naming the Debian package) on stderr, exit 3, in every mode."""
    sys.stderr.write(reason + "\n")
    sys.exit(3)


def serve(run_mode, name, parse_one):
    """Runs the adapter in |run_mode| (from mode()); returns the exit status.
    - "check": the implementation was imported, so it can run: 0.
    - "once" (exec:): all of stdin is one input, the side from XMPPFUZZ_SIDE
      (server or client; anything else, or none, is a usage error: 2); the
      answer lines to stdout; 1 after an error line, 0 otherwise.
    - "persistent" (exec-persistent:): the banner `xmppfuzz-exec 1 NAME`,
      then `input SIDE N` + N bytes per request, each answered with its
      lines and `done`; 0 at EOF, 2 on a malformed request.
    |parse_one(side, data, out)| fills the Output for one input with a fresh
    parser."""
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    if run_mode == "check":
        return 0
    if run_mode == "once":
        side = os.environ.get("XMPPFUZZ_SIDE")
        if side not in ("server", "client"):
            sys.stderr.write("run --once: XMPPFUZZ_SIDE must be server or client\n")
            return 2
        out = Output()
        parse_one(side, stdin.read(), out)
        _write(stdout, out.lines)
        return 1 if out.error_written else 0
    _write(stdout, ["xmppfuzz-exec 1 " + name])
    while True:
        line = stdin.readline()
        if not line:
            return 0
        fields = line.rstrip(b"\n").split(b" ")
        if len(fields) < 3 or fields[0] != b"input" or fields[1] not in (b"server", b"client") \
                or not fields[2].isdigit():
            sys.stderr.write("bad request line: %r\n" % line[:80])
            return 2
        n = int(fields[2])
        data = stdin.read(n)
        if len(data) != n:
            return 0
        out = Output()
        try:
            parse_one(fields[1].decode(), data, out)
        except Exception as exc:  # the adapter's own failure, not the library's verdict
            out.log("adapter exception: %r" % (exc,))
            out.error("undefined-condition")
        _write(stdout, out.lines + ["done"])


_STREAMS_ERROR_CHILD = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z][\w-]*)\s+xmlns=[\"']urn:ietf:params:xml:ns:xmpp-streams[\"']")
_STREAM_ERROR_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?error[\s>]")


def sent_stream_error(sent):
    """Returns the RFC 6120 condition of the first stream error in |sent|
    (bytes the library wrote: its own serialisation), or None."""
    start = _STREAM_ERROR_START.search(sent)
    if start is None:
        return None
    for match in _STREAMS_ERROR_CHILD.finditer(sent, start.end()):
        if match.group(1) != b"text":
            return match.group(1).decode("ascii")
    return "undefined-condition"
