#!/usr/bin/python3
"""A test client for the hostile-server harness (tests/hostile): a small XMPP
client on Python's socket and ssl modules that obeys the driver contract
(README "Hostile server: client libraries") and can be told how to behave:

  --mode careful     does what RFC 6120 / 5802 / 7590 / 6125 require: TLS
                     required and verified, SCRAM checked (nonce, i, v=, e=,
                     XEP-0474 h=), PLAIN only over TLS, a strict XML parser
                     (Expat) that refuses DTDs, comments and PIs, origin
                     checks on roster pushes, carbons and iq results
  --mode vulnerable  does each of those wrong on purpose: no certificate
                     check, TLS 1.0 allowed, PLAIN in the clear, no SCRAM
                     checks, a fixed nonce, a naive regex "parser" that
                     expands entities (internal, file and http) and splits
                     stanzas by tag counting, no origin checks
  --mode hang|spin|grow|crash
                     prints start, then sleeps / spins / allocates / aborts
  --busy-ms N        spins on the CPU for N ms before it sends PLAIN <auth/>
                     or SCRAM client-final (a slow key derivation: JavaScript
                     on a loaded machine), whatever the mode

It is a test peer for the harness, not a model of any library.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import socket
import ssl
import sys
import time
import urllib.request
import warnings
import xml.parsers.expat

warnings.filterwarnings('ignore')  # the vulnerable mode's TLS 1.0 is deprecated on purpose

NS_STREAM = 'http://etherx.jabber.org/streams'
NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls'
NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl'


def emit(**event):
    sys.stdout.write(json.dumps(event) + '\n')
    sys.stdout.flush()


class Closed(Exception):
    pass


class El:
    def __init__(self, name, attrs):
        self.name = name.split(' ')[-1] if ' ' in name else name.split(':')[-1]
        self.ns = name.split(' ')[0] if ' ' in name else ''
        self.attrs = {k.split(' ')[-1]: v for k, v in attrs.items()}
        self.children = []
        self.text = ''
        self.parts = []

    def child(self, name):
        for c in self.children:
            if c.name == name:
                return c
        return None

    def xml(self):
        a = ''.join(" %s='%s'" % (k, esc(v)) for k, v in self.attrs.items())
        inner = esc(self.text) + ''.join(c.xml() for c in self.children)
        return '<%s%s>%s</%s>' % (self.name, a, inner, self.name) if inner else '<%s%s/>' % (self.name, a)


def esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace("'", '&apos;')


class StrictParser:
    """Expat with namespaces; refuses DOCTYPE, entities, comments, PIs, depth > 200."""

    def __init__(self):
        self.p = xml.parsers.expat.ParserCreate(namespace_separator=' ')
        self.p.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.stack, self.out, self.header = [], [], None

        def refuse(*_):
            raise Closed('restricted XML from the server')
        self.p.StartDoctypeDeclHandler = refuse
        self.p.EntityDeclHandler = refuse
        self.p.CommentHandler = refuse
        self.p.ProcessingInstructionHandler = refuse
        self.p.StartElementHandler = self.start
        self.p.EndElementHandler = self.end
        self.p.CharacterDataHandler = self.chars

    def start(self, name, attrs):
        e = El(name, attrs)
        if not self.stack and self.header is None:
            self.header = e
            self.stack.append(e)
            return
        if len(self.stack) > 200:
            raise Closed('too deep')
        self.stack[-1].children.append(e)
        self.stack.append(e)

    def end(self, name):
        e = self.stack.pop()
        e.text = ''.join(e.parts)  # (joined once: += per chunk is quadratic)
        if len(self.stack) == 1:
            self.stack[0].children.remove(e)
            self.out.append(e)
        elif not self.stack:
            raise Closed('stream closed by the server')

    def chars(self, data):
        if len(self.stack) > 1:
            self.stack[-1].parts.append(data)

    def feed(self, data):
        try:
            self.p.Parse(data, False)
        except xml.parsers.expat.ExpatError as e:
            raise Closed('not well-formed: %s' % e)
        out, self.out = self.out, []
        return out


TAG = re.compile(r'<(/?)([A-Za-z_][^\s/>]*)((?:[^>"\']|"[^"]*"|\'[^\']*\')*?)(/?)>', re.S)
ATTR = re.compile(r'([^\s=]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


class NaiveParser:
    """Tag counting over latin-1 text, DOCTYPE entities expanded (file: and http: too)."""

    def __init__(self):
        self.buf, self.entities, self.header, self.depth, self.stack, self.out = '', {}, None, 0, [], []

    def expand(self, s, level=0):
        def one(m):
            n = m.group(1)
            if n in self.entities:
                return self.expand(self.entities[n], level + 1)
            return {'lt': '<', 'gt': '>', 'amp': '&', 'apos': "'", 'quot': '"'}.get(n, m.group(0))
        return re.sub(r'&([A-Za-z0-9_]+);', one, s)

    def doctype(self, text):
        for name, value in re.findall(r"<!ENTITY\s+(\S+)\s+'([^']*)'>", text):
            self.entities[name] = value
        for name, url in re.findall(r"<!ENTITY\s+(\S+)\s+SYSTEM\s+'([^']*)'>", text):
            try:
                self.entities[name] = urllib.request.urlopen(url, timeout=2).read().decode('latin-1')
            except Exception as e:  # noqa: BLE001 (the test peer goes on whatever happens)
                self.entities[name] = 'unreadable %s' % e

    def feed(self, data):
        self.buf += data.decode('latin-1')
        while True:
            self.buf = self.buf.lstrip()
            if self.buf.startswith('<!--'):
                end = self.buf.find('-->')
                if end < 0:
                    break
                self.buf = self.buf[end + 3:]
                continue
            if self.buf.startswith('<?'):
                end = self.buf.find('?>')
                if end < 0:
                    break
                self.buf = self.buf[end + 2:]
                continue
            if self.buf.startswith('<!DOCTYPE'):
                end = self.buf.find(']>')
                if end < 0:
                    break
                self.doctype(self.buf[:end + 2])
                self.buf = self.buf[end + 2:]
                continue
            m = TAG.search(self.buf)
            if not m:
                break
            text, self.buf = self.buf[:m.start()], self.buf[m.end():]
            if self.stack and text:
                self.stack[-1].text += self.expand(text)
            closing, name, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
            if closing:
                if name == 'stream:stream':
                    raise Closed('stream closed by the server')
                if self.stack:
                    e = self.stack.pop()
                    if not self.stack:
                        self.out.append(e)
                continue
            a = {k: self.expand(v1 or v2) for k, v1, v2 in ATTR.findall(attrs)}
            if name in ('stream:stream', 'ws'):
                self.header = El(name, a)
                self.stack = []
                continue
            e = El(name, a)
            if self.stack:
                self.stack[-1].children.append(e)
            if empty:
                if not self.stack:
                    self.out.append(e)
            else:
                self.stack.append(e)
        out, self.out = self.out, []
        return out


class Client:
    def __init__(self, args):
        self.a = args
        self.careful = args.mode == 'careful'
        self.user, self.domain = args.jid.split('@', 1)
        self.bare = args.jid
        self.sock = socket.create_connection((args.host, args.port), timeout=30)
        self.tls = False
        self.ws_buf = bytearray()
        self.queue = []
        self.new_parser()
        emit(event='connected')

    def new_parser(self):
        self.parser = StrictParser() if self.careful else NaiveParser()

    def send(self, text):
        if self.a.websocket:
            # RFC 7395: one element per message, each with its namespace.
            if text == '</stream:stream>':
                text = "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"
            elif text.startswith('<') and not text.startswith('<?') and 'xmlns=' not in text.split('>')[0]:
                name_end = re.match(r'<[^\s/>]+', text).end()
                text = text[:name_end] + " xmlns='jabber:client'" + text[name_end:]
            return self.ws_send(text)
        self.sock.sendall(text.encode('utf-8'))

    def next(self):
        while True:
            while not self.queue:
                try:
                    data = self.ws_recv() if self.a.websocket else self.sock.recv(65536)
                except (OSError, ssl.SSLError) as e:
                    raise Closed('connection error: %s' % e)
                if not data:
                    raise Closed('the server closed the connection')
                self.queue.extend(self.parser.feed(data))
            e = self.queue.pop(0)
            if self.a.websocket and e.name == 'open':
                continue
            if self.a.websocket and e.name == 'close':
                raise Closed('stream closed by the server')
            return e

    def open_stream(self):
        if self.a.websocket:
            self.new_parser()
            self.queue = []
            # One document for the whole connection: frames are its children.
            self.parser.feed(b"<ws xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>")
            self.ws_send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='%s' version='1.0'/>" % self.domain)
        else:
            self.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                      "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>" % self.domain)
        features = self.next()
        if features.name != 'features':
            raise Closed('expected features, got %s' % features.name)
        return features

    def starttls(self):
        self.send("<starttls xmlns='%s'/>" % NS_TLS)
        answer = self.next()
        if answer.name != 'proceed':
            if self.careful:
                raise Closed('STARTTLS failed')
            return False
        self.wrap(self.domain)
        return True

    def wrap(self, name):
        if self.careful:
            ctx = ssl.create_default_context()
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers('ECDHE+AESGCM:ECDHE+CHACHA20')
        else:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.set_ciphers('ALL:@SECLEVEL=0')
        try:
            self.sock = ctx.wrap_socket(self.sock, server_hostname=name)
        except (ssl.SSLError, OSError) as e:
            emit(event='tls-error', text=str(e))
            raise Closed('TLS refused')
        self.tls = True
        emit(event='tls')
        self.queue = []
        self.new_parser()

    # ---- RFC 6455 client framing (RFC 7395 XMPP over WebSocket)

    def ws_connect(self):
        m = re.match(r'(wss?)://([^/:]+)(?::(\d+))?(/.*)', self.a.websocket)
        if not m:
            raise Closed('bad --websocket URL')
        if m.group(1) == 'wss':
            self.wrap(m.group(2))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(('GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                           'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n'
                           % (m.group(4), m.group(2), key)).encode())
        head = b''
        while b'\r\n\r\n' not in head:
            data = self.sock.recv(4096)
            if not data:
                raise Closed('no WebSocket handshake answer')
            head += data
        head, rest = head.split(b'\r\n\r\n', 1)
        self.ws_buf = bytearray(rest)
        want = base64.b64encode(hashlib.sha1((key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').encode()).digest())
        if b' 101 ' not in head.split(b'\r\n')[0] or want not in head:
            raise Closed('WebSocket handshake refused')

    def ws_send(self, text):
        data = text.encode('utf-8')
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, 'big')
                                if n < 65536 else bytes([0x80 | 127]) + n.to_bytes(8, 'big'))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def ws_recv(self):
        def need(n):
            while len(self.ws_buf) < n:
                data = self.sock.recv(65536)
                if not data:
                    raise Closed('the server closed the connection')
                self.ws_buf += data
        message = b''
        while True:
            need(2)
            b0, b1 = self.ws_buf[0], self.ws_buf[1]
            n, at = b1 & 0x7f, 2
            if n == 126:
                need(4)
                n, at = int.from_bytes(self.ws_buf[2:4], 'big'), 4
            elif n == 127:
                need(10)
                n, at = int.from_bytes(self.ws_buf[2:10], 'big'), 10
            need(at + n)
            payload = bytes(self.ws_buf[at:at + n])
            del self.ws_buf[:at + n]
            if b0 & 0x0f == 0x8:
                raise Closed('WebSocket closed by the server')
            message += payload
            if b0 & 0x80:
                return message

    def mechanisms(self, features):
        m = features.child('mechanisms')
        return [c.text for c in m.children] if m is not None else []

    def authenticate(self, features):
        offered = self.mechanisms(features)
        if self.careful:
            for name in ('SCRAM-SHA-256', 'SCRAM-SHA-1'):
                if name in offered:
                    return self.scram(name, offered)
            if 'PLAIN' in offered and self.tls:
                return self.plain()
            raise Closed('no acceptable mechanism')
        for name in ('DIGEST-MD5', 'CRAM-MD5', 'PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'):
            if name in offered:
                if name in ('DIGEST-MD5', 'CRAM-MD5'):
                    self.send("<auth xmlns='%s' mechanism='%s'/>" % (NS_SASL, name))
                    self.next()
                    raise Closed('%s refused' % name)
                return self.plain() if name == 'PLAIN' else self.scram(name, offered)
        raise Closed('no mechanism')

    def busy(self):
        until = time.monotonic() + self.a.busy_ms / 1000.0
        while time.monotonic() < until:
            pass

    def plain(self):
        self.busy()
        msg = base64.b64encode(('\0%s\0%s' % (self.user, self.a.password)).encode()).decode()
        self.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, msg))
        answer = self.next()
        if answer.name != 'success':
            raise Closed('PLAIN refused')
        emit(event='authenticated', mechanism='PLAIN')

    def scram(self, name, offered):
        h = hashlib.sha256 if name.endswith('256') else hashlib.sha1
        nonce = base64.b64encode(os.urandom(18)).decode() if self.careful else 'fixed-nonce-0000'
        gs2 = 'y,,' if self.careful and self.tls else 'n,,'
        first_bare = 'n=%s,r=%s' % (self.user, nonce)
        self.send("<auth xmlns='%s' mechanism='%s'>%s</auth>" % (
            NS_SASL, name, base64.b64encode((gs2 + first_bare).encode()).decode()))
        challenge = self.next()
        if challenge.name != 'challenge':
            raise Closed('no challenge')
        server_first = base64.b64decode(challenge.text).decode()
        attrs = dict(kv.split('=', 1) for kv in server_first.split(','))
        r, s, i = attrs['r'], base64.b64decode(attrs['s']), int(attrs['i'])
        if self.careful:
            if not r.startswith(nonce) or len(r) == len(nonce):
                self.abort('nonce not prefixed')
            if i < 4096 or i > 600000:
                self.abort('iteration count %d' % i)
            if 'h' in attrs:
                want = base64.b64encode(h('\x1e'.join(sorted(offered)).encode()).digest()).decode()
                if attrs['h'] != want:
                    self.abort('XEP-0474 downgrade hash mismatch')
        self.busy()
        salted = hashlib.pbkdf2_hmac(h().name, self.a.password.encode(), s, i)
        client_key = hmac.new(salted, b'Client Key', h).digest()
        without_proof = 'c=%s,r=%s' % (base64.b64encode(gs2.encode()).decode(), r)
        auth_message = ','.join([first_bare, server_first, without_proof]).encode()
        signature = hmac.new(h(client_key).digest(), auth_message, h).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        self.send("<response xmlns='%s'>%s</response>" % (
            NS_SASL, base64.b64encode((without_proof + ',p=' + base64.b64encode(proof).decode()).encode()).decode()))
        server_key = hmac.new(salted, b'Server Key', h).digest()
        want_v = base64.b64encode(hmac.new(server_key, auth_message, h).digest()).decode()
        answer = self.next()
        data = base64.b64decode(answer.text).decode('latin-1') if answer.text else ''
        if answer.name == 'challenge':
            if self.careful and data != 'v=' + want_v:
                self.abort('bad server signature in challenge')
            self.send("<response xmlns='%s'/>" % NS_SASL)
            answer = self.next()
            data = data if not answer.text else base64.b64decode(answer.text).decode('latin-1')
        if answer.name != 'success':
            raise Closed('SCRAM refused')
        if self.careful and data != 'v=' + want_v:
            self.abort('server signature missing or wrong: %r' % data[:40])
        emit(event='authenticated', mechanism=name)

    def abort(self, why):
        emit(event='auth-failed', text=why)
        self.send("<abort xmlns='%s'/>" % NS_SASL)
        self.send('</stream:stream>')
        raise Closed(why)

    def run(self):
        if self.a.websocket:
            self.ws_connect()
        features = self.open_stream()
        tls = features.child('starttls')
        if tls is not None and (self.careful or tls.child('required') is not None or
                                features.child('mechanisms') is None):
            if self.starttls():
                features = self.open_stream()
            else:
                features = self.next()  # vulnerable: takes whatever the server offers next
        elif self.careful and not self.tls:
            raise Closed('the server offers no TLS')
        self.authenticate(features)
        self.new_parser()
        self.queue = []
        features = self.open_stream()
        self.send("<iq type='set' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  "<resource>%s</resource></bind></iq>" % self.a.resource)
        while True:
            e = self.next()
            if e.name == 'iq' and e.attrs.get('id') == 'bind-1':
                break
            self.stanza(e)
        jid = e.child('bind').child('jid').text if e.child('bind') is not None else self.bare
        self.full = jid
        emit(event='online', jid=jid)
        self.send('<presence/>')
        self.send("<iq type='get' id='roster-1'><query xmlns='jabber:iq:roster'/></iq>")
        self.send("<iq type='set' id='carbons-1'><enable xmlns='urn:xmpp:carbons:2'/></iq>")
        iq_to = self.a.iq_to or self.domain
        self.send("<iq type='get' id='disco-1' to='%s'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
                  % iq_to)
        self.iq_to = iq_to
        while True:
            self.stanza(self.next())

    def stanza(self, e):
        frm = e.attrs.get('from')
        if e.name == 'iq' and e.attrs.get('id') == 'disco-1':
            if self.careful and frm not in (None, self.iq_to):
                return
            emit(event='iq-result', type=e.attrs.get('type', ''), **{'from': frm or ''})
            return
        if e.name == 'iq':
            q = e.child('query')
            if q is not None and q.ns in ('jabber:iq:roster', ''):
                if e.attrs.get('type') == 'set' and self.careful and frm not in (None, self.bare):
                    return
                for item in q.children:
                    emit(event='roster', jid=item.attrs.get('jid', ''), subscription=item.attrs.get('subscription', ''))
            if e.attrs.get('type') in ('get', 'set'):
                self.send("<iq type='result' id='%s'/>" % esc(e.attrs.get('id', '')))
            return
        emit(event='stanza', xml=e.xml())
        if e.name == 'message':
            for direction in ('received', 'sent'):
                c = e.child(direction)
                if c is not None:
                    if self.careful and frm != self.bare:
                        return
                    fwd = c.child('forwarded')
                    inner = fwd.child('message') if fwd is not None else None
                    if inner is not None:
                        emit(event='carbon', direction=direction, xml=inner.xml())


def main():
    ap = argparse.ArgumentParser()
    for flag in ('--host', '--jid', '--password'):
        ap.add_argument(flag, required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--resource', default='test')
    ap.add_argument('--websocket')
    ap.add_argument('--iq-to')
    ap.add_argument('--busy-ms', type=int, default=0)
    ap.add_argument('--mode', default='careful',
                    choices=['careful', 'vulnerable', 'hang', 'spin', 'grow', 'crash'])
    args = ap.parse_args()
    emit(event='start', library='xmppfuzz-test-driver', version=args.mode)
    if args.mode == 'hang':
        time.sleep(3600)
    if args.mode == 'spin':
        while True:
            pass
    if args.mode == 'grow':
        hoard = []
        while True:
            hoard.append(b'\x01' * (64 << 20))  # touched pages: RSS grows
            time.sleep(0.05)
    if args.mode == 'crash':
        os.abort()
    try:
        Client(args).run()
    except Closed as e:
        emit(event='closed', text=str(e))
    except (OSError, ValueError, KeyError, IndexError, AttributeError, UnicodeError) as e:
        emit(event='error', text='%s: %s' % (type(e).__name__, e))
        emit(event='closed', text='error')
    return 0


if __name__ == '__main__':
    sys.exit(main())
