#!/usr/bin/python3
"""Checks canonical.py against `xmppfuzz parse`: each input is parsed with
xml.etree.ElementTree (the tree slixmpp builds) and lxml (the tree aioxmpp's
XSOs unparse to), every depth-1 element rendered with canonical.element()
and the root with canonical.header(), and the lines must equal what
`xmppfuzz parse --side client` prints for the same bytes.

usage: canonical_test.py XMPPFUZZ
Exit 0 if every case agrees, 1 otherwise (each difference printed).
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

try:
    import lxml.etree  # python3-lxml, which python3-aioxmpp depends on
except ImportError:
    print("skipped: python3-lxml is not installed (it comes with python3-aioxmpp)")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import canonical  # noqa: E402

HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='c' version='1.0'>")

CASES = [
    "<message to='a@b' type='chat' id='1'><body>hi</body></message>",
    "<message id='2'><body>a &amp; b &lt; c &gt; d \"q\" 'a'\ttab</body></message>",
    "<message id='3'><body>line&#10;feed&#13;cr</body></message>",
    "<message id='4' note='x@y/&quot;q&quot;&#9;t&#10;n&#13;r&amp;&lt;&gt;'/>",
    "<message id='5'><body><![CDATA[<not> & markup]]>tail</body></message>",
    "<message id='6' xml:lang='de'><x:a xmlns:x='urn:x' x:z='1' y='2' x:b='3'/></message>",
    "<message id='7' xmlns:p='urn:p' xmlns:q='urn:q' q:b='1' p:a='2' p:c='3' a='4'/>",
    "<message id='8'><a xmlns='urn:a'><b><c xmlns='jabber:client'/></b></a></message>",
    "<message id='9'><a xmlns=''><b/></a></message>",
    "<iq type='get' id='10'><query xmlns='jabber:iq:roster'/></iq>",
    "<presence id='11'>  <show>away</show>\n<status>\u00e9\U0001f600</status></presence>",
    "<message id='12'><body>x</body>between<thread>t</thread>after</message>",
    "<p:message xmlns:p='jabber:client' id='13'><p:body>prefixed</p:body></p:message>",
    "<message id='14' xmlns:z='urn:\u00e9' z:\u00e9='\u00e9'/>",
    "<message id='15'><body/><body></body></message>",
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>",
]


def reference(xmppfuzz, data):
    out = subprocess.run([xmppfuzz, "parse", "--side", "client", "-"], input=data,
                         capture_output=True, check=False).stdout
    return out.decode("utf-8").splitlines()


def with_etree(data):
    lines, depth, decls = [], 0, []
    parser = ET.XMLPullParser(("start", "end", "start-ns"))
    parser.feed(data)
    for event, obj in parser.read_events():
        if event == "start-ns":
            if depth == 0:
                decls.append(obj)
        elif event == "start":
            if depth == 0:
                ns = dict(decls).get("", "")
                lines.append("stream-open " + canonical.header(obj.tag, obj.attrib, ns))
            depth += 1
        else:
            depth -= 1
            if depth == 1:
                lines.append("stanza " + canonical.element(obj))
    return lines


def with_lxml(data):
    import lxml.etree
    lines = []
    for stanza in lxml.etree.fromstring(data + b"</stream:stream>"):
        if isinstance(stanza.tag, str):
            lines.append("stanza " + canonical.element(stanza))
    return lines


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: canonical_test.py XMPPFUZZ\n")
        return 2
    failures = 0
    for case in CASES:
        data = (HEADER + case).encode("utf-8")
        want = reference(argv[1], data)
        if not want or any(l.startswith("error") for l in want):
            print("FAIL reference refused %r: %r" % (case, want))
            failures += 1
            continue
        trees = [("etree", with_etree(data))]
        try:
            trees.append(("lxml", want[:1] + with_lxml(data)))
        except lxml.etree.XMLSyntaxError as e:  # libxml2 refuses, e.g., a non-ASCII namespace URI
            print("note: lxml cannot build %r (%s); checked with etree only" % (case, e))
        for name, got in trees:
            if got != want:
                failures += 1
                print("FAIL %s %r\n  want %r\n  got  %r" % (name, case, want, got))
    # Escapes the parser cannot produce, checked directly.
    direct = canonical.escape_attr("&<>\"\t\n\r'") + "|" + canonical.escape_text("&<>\"\t\n\r'")
    if direct != "&amp;&lt;&gt;&quot;&#9;&#10;&#13;'|&amp;&lt;&gt;\"\t&#10;&#13;'":
        failures += 1
        print("FAIL escapes: %r" % direct)
    print("%d cases, %d failures" % (len(CASES), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
