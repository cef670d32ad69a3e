#!/usr/bin/python3
"""A minimal raw XMPP sender for the client-driver live tests.

    xmpp_send.py [--starttls CAFILE] HOST PORT USER DOMAIN PASSWORD RESOURCE STANZA...

Logs in to a test server on loopback with SASL PLAIN, over the plain TCP
stream (the default test server allows it; this is not a client under test)
or after STARTTLS with the certificate verified against CAFILE and DOMAIN,
binds RESOURCE, sends each STANZA (raw XML) and closes the stream. Exit 0
when every step got the expected reply, 1 otherwise (message on stderr).
"""

import base64
import re
import socket
import ssl
import sys
import time

HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>")


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def send(self, text):
        self.sock.sendall(text.encode("utf-8"))

    def wait_for(self, pattern, what):
        """Read until PATTERN (bytes regex) matches the unread input."""
        deadline = time.monotonic() + 10
        while True:
            m = re.search(pattern, self.buf, re.S)
            if m:
                self.buf = self.buf[m.end():]
                return m
            if time.monotonic() > deadline:
                raise RuntimeError("no %s from the server (got %r)" % (what, self.buf[-300:]))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("server closed the stream waiting for %s (got %r)"
                                   % (what, self.buf[-300:]))
            self.buf += chunk


def main(argv):
    cafile = None
    if argv[:1] == ["--starttls"]:
        cafile, argv = argv[1], argv[2:]
    if len(argv) < 7:
        sys.stderr.write(__doc__)
        return 2
    host, port, user, domain, password, resource = argv[:6]
    stanzas = argv[6:]
    c = Conn(host, int(port))
    c.send(HEADER % domain)
    c.wait_for(rb"</stream:features>", "stream features")
    if cafile:
        c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        c.wait_for(rb"<proceed[^>]*/>", "STARTTLS proceed")
        ctx = ssl.create_default_context(cafile=cafile)
        c.sock = ctx.wrap_socket(c.sock, server_hostname=domain)
        c.buf = b""
        c.send(HEADER % domain)
        c.wait_for(rb"</stream:features>", "stream features after TLS")
    cred = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
    c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" % cred)
    c.wait_for(rb"<success[^>]*(/>|>.*?</success>)", "SASL success")
    c.send(HEADER % domain)
    c.wait_for(rb"</stream:features>", "post-auth stream features")
    c.send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
           "<resource>%s</resource></bind></iq>" % resource)
    c.wait_for(rb"<iq[^>]*id=['\"]bind1['\"][^>]*type=['\"]result['\"]|"
               rb"<iq[^>]*type=['\"]result['\"][^>]*id=['\"]bind1['\"]", "bind result")
    for s in stanzas:
        c.send(s)
    # A round trip so the server has routed everything before we close.
    c.send("<iq type='get' id='ping1' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>" % domain)
    c.wait_for(rb"id=['\"]ping1['\"]", "ping reply")
    c.send("</stream:stream>")
    c.sock.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, RuntimeError) as exc:
        sys.stderr.write("xmpp_send: %s\n" % exc)
        sys.exit(1)
