"""Definitions of the TLS vectors (kind: tls and kind: starttls; see README.md,
"TLS vectors").

conformance/generate-vectors writes these to conformance/vectors/tls-*/.

kind: tls vectors are one direction of a TLS connection. They start from
real ClientHellos that `openssl s_client` sent (CAPTURES, below) and mutate
them: every record-layer rule, every ClientHello rule, SNI and ALPN edge
cases. The expected tls::Inspector lines of an accepted vector are computed
here by a small model of the record layer and the ClientHello (render()),
independently of targets/tls; the expected error code and exact offset of a
refused one come from where the mutation put the broken byte.

kind: starttls vectors are the peer's plaintext into our STARTTLS client or
server; the expected events are what a conforming side sends in answer
(RFC 6120 section 5) and how it ends.
"""
import struct

# ---------------------------------------------------------------------------
# Captures: the first flight of `openssl s_client` (OpenSSL 3.0.19, 27 Jan
# 2026, Debian 12), captured once with tests/tls/capture_client_hello.py:
#   capture_client_hello.py OUT -servername example.com -alpn xmpp-client -tls1_3
#   capture_client_hello.py OUT -servername example.net -alpn xmpp-server -tls1_2
#   capture_client_hello.py OUT -servername xmpp.example.org -alpn xmpp-client,xmpp-server
# (random, session id and key share as that run drew them).

CAPTURE_TLS13 = bytes.fromhex(
    '1603010102010000fe0303fa84ef0da5ec8f17c1d858794ceb877081a36094e27e8d1ced0037b410c2a8da202fe8af7c'
    '70d788eb235539dc18ba992baf2cb455cbbbb5a52e80a624c7c1cfd5000813021303130100ff010000ad00000010000e'
    '00000b6578616d706c652e636f6d000b000403000102000a00160014001d0017001e0019001801000101010201030104'
    '002300000010000e000c0b786d70702d636c69656e740016000000170000000d001e001c040305030603080708080809'
    '080a080b080408050806040105010601002b0003020304002d00020101003300260024001d0020a65536ebdc57b8d43d'
    'ac8878721eb8f6487b70b7b411dad7536aeed0cbe52957')
CAPTURE_TLS12 = bytes.fromhex(
    '16030100dd010000d9030381b10a3948b8fdb084d228456f8168154c224bc75c00e99075a3a9d4dd8fe678000038c02c'
    'c030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c'
    '0035002f00ff0100007800000010000e00000b6578616d706c652e6e6574000b000403000102000a000c000a001d0017'
    '001e00190018002300000010000e000c0b786d70702d7365727665720016000000170000000d002a0028040305030603'
    '080708080809080a080b080408050806040105010601030303010302040205020602')
CAPTURE_DEFAULT = bytes.fromhex(
    '160301015b010001570303cd3d0d49cd53d4e575ee22af27f53d6190c8f5930b063381be6174e397c6128a206c621a42'
    'd64b71175a161e46fc367e21d923d96657445518151995c9d96db300003e130213031301c02cc030009fcca9cca8ccaa'
    'c02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff010000d0'
    '000000150013000010786d70702e6578616d706c652e6f7267000b000403000102000a00160014001d0017001e001900'
    '1801000101010201030104002300000010001a00180b786d70702d636c69656e740b786d70702d736572766572001600'
    '0000170000000d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205'
    '020602002b0009080304030303020301002d00020101003300260024001d0020be1c994224222ceed73bd96606f5c43a'
    '6c6f7751d63ac6cc6f1d0360c72e505e')

R8446_41 = 'RFC 8446 section 4.1.2'
R8446_42 = 'RFC 8446 section 4.2'
R8446_51 = 'RFC 8446 section 5.1'
R5246_62 = 'RFC 5246 section 6.2'
R5246_7412 = 'RFC 5246 section 7.4.1.2'
R6066 = 'RFC 6066 section 3'
R7301 = 'RFC 7301 section 3.1'
X0368 = 'XEP-0368 section 4'
R6120_5 = 'RFC 6120 section 5'

# ---------------------------------------------------------------------------
# Building blocks


def u8(n):
    return struct.pack('>B', n)


def u16(n):
    return struct.pack('>H', n)


def u24(n):
    return struct.pack('>I', n)[1:]


def record(payload, ctype=22, version=0x0301):
    return u8(ctype) + u16(version) + u16(len(payload)) + payload


def handshake(body, htype=1):
    return u8(htype) + u24(len(body)) + body


class Hello:
    """A ClientHello body as fields; extensions are [type, body] pairs in
    order (None: no extensions block)."""

    def __init__(self, body):
        p = 0
        self.version = struct.unpack('>H', body[p:p + 2])[0]
        self.random = body[p + 2:p + 34]
        p += 34
        n = body[p]
        self.session_id = body[p + 1:p + 1 + n]
        p += 1 + n
        n = struct.unpack('>H', body[p:p + 2])[0]
        self.suites = body[p + 2:p + 2 + n]
        p += 2 + n
        n = body[p]
        self.compression = body[p + 1:p + 1 + n]
        p += 1 + n
        self.extensions = None
        if p < len(body):
            n = struct.unpack('>H', body[p:p + 2])[0]
            block = body[p + 2:p + 2 + n]
            assert p + 2 + n == len(body)
            self.extensions = []
            q = 0
            while q < len(block):
                t, m = struct.unpack('>HH', block[q:q + 4])
                self.extensions.append([t, block[q + 4:q + 4 + m]])
                q += 4 + m

    def copy(self):
        h = Hello.__new__(Hello)
        h.__dict__.update(self.__dict__)
        h.extensions = None if self.extensions is None else [list(e) for e in self.extensions]
        return h

    def ext(self, etype):
        for e in self.extensions:
            if e[0] == etype:
                return e
        raise KeyError(etype)

    def set_ext(self, etype, body):
        """Replaces the body of |etype| (appends the extension if absent)."""
        for e in self.extensions:
            if e[0] == etype:
                e[1] = body
                return self
        self.extensions.append([etype, body])
        return self

    def drop_ext(self, etype):
        self.extensions = [e for e in self.extensions if e[0] != etype]
        return self

    def prefix(self):
        """The bytes before the extensions block."""
        return (u16(self.version) + self.random + u8(len(self.session_id)) + self.session_id +
                u16(len(self.suites)) + self.suites + u8(len(self.compression)) + self.compression)

    def body(self):
        if self.extensions is None:
            return self.prefix()
        block = b''.join(u16(t) + u16(len(b)) + b for t, b in self.extensions)
        return self.prefix() + u16(len(block)) + block

    def ext_offset(self, etype, base=9):
        """Absolute offset of extension |etype|'s type field when the body
        starts at |base| (one record, one handshake header: 5 + 4)."""
        at = base + len(self.prefix()) + 2
        for t, b in self.extensions:
            if t == etype:
                return at
            at += 4 + len(b)
        raise KeyError(etype)

    def stream(self):
        return record(handshake(self.body()))


def mod(h, **fields):
    """A copy of |h| with |fields| replaced."""
    c = h.copy()
    for k, v in fields.items():
        setattr(c, k, v)
    return c


def hello_of(capture):
    assert capture[0] == 22 and capture[5] == 1
    return Hello(capture[9:])


H13 = hello_of(CAPTURE_TLS13)
H12 = hello_of(CAPTURE_TLS12)
HDEF = hello_of(CAPTURE_DEFAULT)
assert H13.stream() == CAPTURE_TLS13 and H12.stream() == CAPTURE_TLS12 and HDEF.stream() == CAPTURE_DEFAULT


def sni(*names, name_type=0):
    entries = b''.join(u8(name_type) + u16(len(n)) + n for n in names)
    return u16(len(entries)) + entries


def alpn(*names):
    entries = b''.join(u8(len(n)) + n for n in names)
    return u16(len(entries)) + entries


# ---------------------------------------------------------------------------
# The model: what tls::Inspector prints for a stream it accepts (README.md,
# "xmppfuzz tls-inspect"). Records and the messages they complete come out
# in stream order; records after change_cipher_spec are protected (opaque).

TYPES = {20: 'change_cipher_spec', 21: 'alert', 22: 'handshake', 23: 'application_data', 24: 'heartbeat'}
MESSAGES = {1: 'client_hello', 2: 'server_hello', 4: 'new_session_ticket', 5: 'end_of_early_data',
            8: 'encrypted_extensions', 11: 'certificate', 12: 'server_key_exchange', 13: 'certificate_request',
            14: 'server_hello_done', 15: 'certificate_verify', 16: 'client_key_exchange', 20: 'finished',
            24: 'key_update', 254: 'message_hash'}
VERSIONS = {0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3'}


def vname(v):
    return VERSIONS.get(v, '0x%04X' % v)


def esc(b):
    """base::EscapeBytes: printable ASCII stays, the rest and '\\' become \\xHH."""
    return ''.join(chr(c) if 0x20 <= c < 0x7f and c != 0x5c else '\\x%02X' % c for c in b)


def u16list(b):
    return [struct.unpack('>H', b[i:i + 2])[0] for i in range(0, len(b), 2)]


def hello_lines(body, base):
    h = Hello(body)
    exts = h.extensions or []
    lines = ['client-hello legacy_version=%s session_id=%d cipher_suites=%s compression=%s extensions=%d' % (
        vname(h.version), len(h.session_id), ','.join('0x%04x' % s for s in u16list(h.suites)),
        esc(h.compression), len(exts))]
    d = dict((t, b) for t, b in exts)
    if 0 in d:
        lines.append('  server_name ' + esc(d[0][5:]))
    if 16 in d:
        b, q = d[16][2:], 0
        while q < len(b):
            lines.append('  alpn ' + esc(b[q + 1:q + 1 + b[q]]))
            q += 1 + b[q]
    if 43 in d:
        lines.append('  supported_versions ' + ','.join(vname(v) for v in u16list(d[43][1:])))
    if 13 in d:
        lines.append('  signature_algorithms ' + ','.join('0x%04x' % v for v in u16list(d[13][2:])))
    if 10 in d:
        lines.append('  supported_groups ' + ','.join('0x%04x' % v for v in u16list(d[10][2:])))
    if 51 in d:
        b, q = d[51][2:], 0
        while q < len(b):
            g, n = struct.unpack('>HH', b[q:q + 4])
            lines.append('  key_share 0x%04x %d bytes' % (g, n))
            q += 4 + n
    if 23 in d:
        lines.append('  extended_master_secret')
    if 0xff01 in d:
        lines.append('  renegotiation_info %d bytes' % d[0xff01][0])
    if 28 in d:
        lines.append('  record_size_limit %d' % struct.unpack('>H', d[28])[0])
    at = base + len(h.prefix()) + 2
    for t, b in exts:
        lines.append('  extension 0x%04x length=%d offset=%d' % (t, len(b), at))
        at += 4 + len(b)
    return lines


def render(data, hellos=True):
    """The Inspector lines for the complete records of |data| (without the
    ClientHello's field lines unless |hellos|)."""
    lines, pos, protected, pending, pending_at, saw_hello = [], 0, False, b'', 0, False
    while pos + 5 <= len(data):
        t, ver, n = data[pos], struct.unpack('>H', data[pos + 1:pos + 3])[0], struct.unpack('>H', data[pos + 3:pos + 5])[0]
        if pos + 5 + n > len(data):
            break
        lines.append('record %s version=%s length=%d offset=%d' % (TYPES[t], vname(ver), n, pos))
        if t == 22 and not protected:
            if not pending:
                pending_at = pos + 5
            pending += data[pos + 5:pos + 5 + n]
            while len(pending) >= 4 and len(pending) >= 4 + int.from_bytes(pending[1:4], 'big'):
                m = int.from_bytes(pending[1:4], 'big')
                lines.append('message %s length=%d offset=%d' % (
                    MESSAGES.get(pending[0], 'type_%d' % pending[0]), m, pending_at))
                if pending[0] == 1 and not saw_hello and hellos:
                    saw_hello = True
                    lines += hello_lines(pending[4:4 + m], pending_at + 4)
                pending_at += 4 + m
                pending = pending[4 + m:]
        if t == 20:
            protected = True
        pos += 5 + n
    return lines


# ---------------------------------------------------------------------------
# Vector constructors. |at| is the exact offset of the refusal, from the
# mutation; |events| defaults to the model's lines for the records before
# |upto| (refused vectors) or for the whole input (accepted ones).


def tls_ok(name, description, source, data, **kw):
    return dict(kind='tls', name=name, description=description, source=source, data=data, expect='accepted',
                events=render(data), **kw)


def tls_bad(name, description, source, data, code, at, upto=None, events=None, **kw):
    if events is None:
        events = render(data[:upto]) if upto is not None else None
    v = dict(kind='tls', name=name, description=description, source=source, data=data,
             expect='refused-tls %s at %d' % (code, at), **kw)
    if events is not None:
        v['events'] = events
    return v


def hello_bad(name, description, source, h, code, at, **kw):
    """A one-record ClientHello our parser refuses: the record and the
    message are printed before the error."""
    data = h.stream() if isinstance(h, Hello) else h
    ev = render(data, hellos=False)
    return tls_bad(name, description, source, data, code, at, events=ev, **kw)


def ext_bad(name, description, source, etype, body, code, rel=None, base=None, at=None, **kw):
    """H13 with extension |etype|'s body replaced; the error at the
    extension's type field (rel None) or |rel| bytes into its body."""
    h = H13.copy().set_ext(etype, body)
    off = h.ext_offset(etype)
    if at is None:
        at = off if rel is None else off + 4 + rel
    return hello_bad(name, description, source, h, code, at, **kw)


def with_sni(host):
    return H13.copy().set_ext(0, sni(host))


SNI_OFF = H13.ext_offset(0)   # the server_name extension of H13
SNI_NAME = SNI_OFF + 4 + 5    # its HostName's first byte


def sni_bad(name, description, host, code, rel, source=R6066, **kw):
    return hello_bad(name, description, source, with_sni(host), code, SNI_NAME + rel, **kw)


def sni_ok(name, description, host, source=R6066, **kw):
    return tls_ok(name, description, source, with_sni(host).stream(), **kw)


def alpn_ok(name, description, names, source=R7301, **kw):
    return tls_ok(name, description, source, H13.copy().set_ext(16, alpn(*names)).stream(), **kw)


# ---------------------------------------------------------------------------
# tls-client-hello

H13_BODY = H13.body()
SESSION_AT = 9 + 34
SUITES_AT = SESSION_AT + 1 + len(H13.session_id)
COMP_AT = SUITES_AT + 2 + len(H13.suites)
BLOCK_AT = COMP_AT + 1 + len(H13.compression)


def hello_body(body):
    return record(handshake(body))


def minimal(**changes):
    """A TLS 1.2 hello with two suites and no extensions block."""
    fields = dict(session_id=b'', suites=u16(0xc02f) + u16(0x00ff), extensions=None)
    fields.update(changes)
    return mod(H12, **fields)


GREASE = 0x0a0a  # RFC 8701 section 2
EMS_TWICE = H13.copy()
EMS_TWICE.extensions.append([23, b''])

client_hello = [
    tls_ok('openssl-tls13', 'openssl s_client -tls1_3 -servername example.com -alpn xmpp-client, as captured',
           R8446_41 + '; ' + X0368, CAPTURE_TLS13),
    tls_ok('openssl-tls12', 'openssl s_client -tls1_2 -servername example.net -alpn xmpp-server, as captured',
           R5246_7412 + '; ' + X0368, CAPTURE_TLS12),
    tls_ok('openssl-default', 'openssl s_client (TLS 1.3 and 1.2) -servername xmpp.example.org -alpn '
           'xmpp-client,xmpp-server, as captured', R8446_41 + '; ' + X0368, CAPTURE_DEFAULT),
    tls_ok('fragmented-two-records', 'the TLS 1.3 capture\'s ClientHello split across two handshake records',
           R8446_51 + ' (handshake messages may be fragmented)',
           record(handshake(H13_BODY)[:100]) + record(handshake(H13_BODY)[100:])),
    tls_ok('fragmented-header-split', 'the hello split inside its 4-byte handshake header (records of 2 bytes, then '
           'the rest)', R8446_51, record(handshake(H13_BODY)[:2]) + record(handshake(H13_BODY)[2:])),
    tls_ok('fragmented-many-records', 'the TLS 1.2 capture\'s hello in records of 16 bytes',
           R8446_51, b''.join(record(handshake(H12.body())[i:i + 16]) for i in range(0, len(handshake(H12.body())), 16))),
    tls_ok('no-extensions-block', 'a TLS 1.2 hello without an extensions block (allowed in TLS 1.2)',
           R5246_7412 + ' (extensions are optional)', minimal().stream()),
    tls_ok('empty-extensions-block', 'a TLS 1.2 hello with an extensions block of length 0', R5246_7412,
           hello_body(minimal().prefix() + u16(0))),
    tls_ok('tls10-legacy-version', 'a hello with legacy_version TLS 1.0 (parsed; refusing TLS 1.0 is the '
           'session policy\'s job)', R5246_7412 + '; RFC 8996', minimal(version=0x0301).stream()),
    tls_ok('no-session-id', 'the TLS 1.3 hello with an empty legacy_session_id', R8446_41,
           mod(H13, session_id=b'').stream()),
    tls_ok('grease-extension', 'an unknown (GREASE) extension is kept and listed, not refused',
           'RFC 8701 section 3; ' + R8446_42, H13.copy().set_ext(GREASE, b'\x00').stream()),
    tls_ok('grease-cipher-suite', 'a GREASE cipher suite value first in the list', 'RFC 8701 section 3',
           mod(H13, suites=u16(0x1a1a) + H13.suites).stream()),
    tls_ok('record-size-limit-64', 'record_size_limit 64, the smallest legal value', 'RFC 8449 section 4',
           H13.copy().set_ext(28, u16(64)).stream()),
    tls_ok('empty-key-share-list', 'key_share with an empty client_shares list (the client waits for a '
           'HelloRetryRequest)', 'RFC 8446 section 4.2.8', H13.copy().set_ext(51, u16(0)).stream()),
    tls_ok('renegotiation-info-extension', 'renegotiation_info with an empty renegotiated_connection (initial '
           'handshake)', 'RFC 5746 section 3.4', H12.copy().set_ext(0xff01, b'\x00').stream()),
    tls_ok('coalesced-with-next-message', 'the hello and a second handshake message in one record',
           R8446_51 + ' (several messages in one record)', record(handshake(H13_BODY) + handshake(b'', htype=20))),
    tls_ok('record-version-tls12', 'the hello in a record whose legacy_record_version is TLS 1.2',
           R8446_51 + ' (legacy_record_version is ignored)', record(handshake(H13_BODY), version=0x0303)),
    # refused
    hello_bad('truncated-random', 'a hello body of 20 bytes: the random runs past the end', R8446_41,
              hello_body(H13_BODY[:20]), 'hello-truncated', 11),
    hello_bad('session-id-33', 'legacy_session_id of 33 bytes (at most 32)', R8446_41,
              hello_body(H13_BODY[:34] + b'\x21' + b'\x00' * 33 + H13_BODY[35 + 32:]), 'bad-session-id', SESSION_AT),
    hello_bad('session-id-overruns', 'a session id length past the end of the message', R8446_41,
              hello_body(H13_BODY[:34] + b'\xff'), 'hello-truncated', SESSION_AT),
    hello_bad('cipher-suites-empty', 'an empty cipher_suites list', R8446_41 + ' (cipher_suites<2..2^16-2>)',
              mod(H13, suites=b''), 'bad-cipher-suites', SUITES_AT),
    hello_bad('cipher-suites-odd', 'cipher_suites of odd length', R8446_41,
              mod(H13, suites=H13.suites + b'\x13'), 'bad-cipher-suites', SUITES_AT),
    hello_bad('cipher-suites-overrun', 'a cipher_suites length past the end of the message', R8446_41,
              hello_body(H13_BODY[:SUITES_AT - 9] + u16(0x4000)), 'hello-truncated', SUITES_AT),
    hello_bad('compression-deflate-only', 'compression_methods offers DEFLATE (1) without null (CRIME)',
              R5246_7412 + '; RFC 3749; CVE-2012-4929',
              mod(H13, compression=b'\x01'), 'bad-compression', COMP_AT),
    hello_bad('compression-empty', 'an empty compression_methods list', R5246_7412 + ' (compression_methods<1..2^8-1>)',
              mod(H13, compression=b''), 'bad-compression', COMP_AT),
    hello_bad('extensions-block-too-long', 'the extensions length claims one byte more than there is', R8446_41,
              hello_body(H13.prefix() + u16(len(H13_BODY) - len(H13.prefix()) - 1) + H13_BODY[len(H13.prefix()) + 2:]),
              'bad-extensions-block', BLOCK_AT),
    hello_bad('extensions-block-short', 'the extensions length one byte short: a byte is left after the block',
              R8446_41, hello_body(H13.prefix() + u16(len(H13_BODY) - len(H13.prefix()) - 3) +
                                   H13_BODY[len(H13.prefix()) + 2:]),
              'trailing-data', 9 + len(H13_BODY) - 1),
    hello_bad('extensions-block-one-byte', 'a single byte where the extensions length should be', R8446_41,
              hello_body(H13.prefix() + b'\x00'), 'bad-extensions-block', BLOCK_AT),
    hello_bad('extension-header-cut', 'the block ends inside an extension header', R8446_41,
              hello_body(H13.prefix() + u16(3) + b'\x00\x17\x00'), 'bad-extensions-block', BLOCK_AT + 2),
    hello_bad('extension-body-overruns', 'an extension length past the end of the block', R8446_41,
              hello_body(H13.prefix() + u16(6) + b'\x00\x17\x00\x09\x00\x00'), 'bad-extensions-block', BLOCK_AT + 2),
    hello_bad('duplicate-extension', 'extended_master_secret twice', R8446_42 + ' (no type more than once)',
              EMS_TWICE, 'duplicate-extension', 9 + len(EMS_TWICE.body()) - 4),
    ext_bad('supported-versions-empty', 'supported_versions with an empty list', 'RFC 8446 section 4.2.1',
            43, b'\x00', 'bad-extension'),
    ext_bad('supported-versions-odd', 'supported_versions of odd length', 'RFC 8446 section 4.2.1', 43,
            b'\x03\x03\x04\x03', 'bad-extension'),
    ext_bad('signature-algorithms-odd', 'signature_algorithms of odd length', 'RFC 8446 section 4.2.3', 13,
            u16(3) + b'\x04\x03\x05', 'bad-extension'),
    ext_bad('supported-groups-trailing', 'supported_groups followed by a stray byte', 'RFC 8446 section 4.2.7', 10,
            u16(2) + b'\x00\x1d\x00', 'bad-extension'),
    ext_bad('key-share-empty-key', 'a key_share entry with an empty key_exchange', 'RFC 8446 section 4.2.8', 51,
            u16(4) + b'\x00\x1d\x00\x00', 'bad-extension', rel=2),
    ext_bad('key-share-overrun', 'a key_share entry longer than its list', 'RFC 8446 section 4.2.8', 51,
            u16(6) + b'\x00\x1d\x00\x20\xaa\xbb', 'bad-extension', rel=2),
    ext_bad('extended-master-secret-body', 'extended_master_secret with a body (it is empty)', 'RFC 7627 section 5.1',
            23, b'\x00', 'bad-extension'),
    ext_bad('record-size-limit-63', 'record_size_limit 63 (below the minimum of 64)', 'RFC 8449 section 4', 28,
            u16(63), 'bad-extension'),
    ext_bad('renegotiation-info-overrun', 'renegotiation_info whose length runs past its body', 'RFC 5746 section 3.2',
            0xff01, b'\x05\x00', 'bad-extension'),
    hello_bad('trailing-after-extensions', 'a byte after the extensions block, inside the message', R8446_41,
              hello_body(H13_BODY + b'\x00'), 'trailing-data', 9 + len(H13_BODY)),
]

# ---------------------------------------------------------------------------
# tls-sni-alpn

sni_alpn = [
    sni_ok('sni-single-label', 'SNI "localhost" (one label)', 'localhost'.encode()),
    sni_ok('sni-label-63', 'a 63-byte label, the longest allowed', b'a' * 63 + b'.example', source=R6066 + '; RFC 1035 section 2.3.4'),
    sni_ok('sni-name-253', 'a 253-byte name, the longest allowed', (b'a' * 63 + b'.') * 3 + b'b' * 61,
           source=R6066 + '; RFC 1035 section 2.3.4'),
    sni_ok('sni-a-label', 'an IDN in A-label form (xn--bcher-kva.example)', b'xn--bcher-kva.example',
           source=R6066 + ' (A-labels); RFC 5890'),
    sni_ok('sni-upper-case', 'an upper-case name (compared case-insensitively later)', b'XMPP.Example.COM'),
    sni_ok('sni-digit-labels', 'labels of digits that are not an IPv4 literal (1.2.3.4.example)', b'1.2.3.4.example',
           source=R6066 + '; RFC 1123 section 2.1'),
    sni_bad('sni-nul-inside', 'a NUL inside the name (example.com\\0.evil.example): NUL confusion',
            b'example.com\x00.evil.example', 'sni-nul', 11, source=R6066 + '; CVE-2009-2408 (NUL in names)'),
    sni_bad('sni-nul-first', 'a NUL as the first byte', b'\x00example.com', 'sni-nul', 0, source=R6066),
    sni_bad('sni-trailing-dot', 'example.com. (a trailing dot is not permitted)', b'example.com.', 'sni-trailing-dot', 11),
    sni_bad('sni-ipv4-literal', 'a literal IPv4 address', b'192.0.2.1', 'sni-ip-literal', 0,
            source=R6066 + ' (literal addresses are not permitted)'),
    sni_bad('sni-ipv6-literal', 'a literal IPv6 address', b'2001:db8::1', 'sni-ip-literal', 0, source=R6066),
    sni_bad('sni-label-64', 'a 64-byte label', b'example.' + b'a' * 64, 'sni-bad-dns-name', 8,
            source=R6066 + '; RFC 1035 section 2.3.4'),
    sni_bad('sni-name-254', 'a 254-byte name', (b'a' * 63 + b'.') * 3 + b'b' * 62, 'sni-bad-dns-name', 253,
            source=R6066 + '; RFC 1035 section 2.3.4'),
    sni_bad('sni-empty-label', 'an empty label (example..com)', b'example..com', 'sni-bad-dns-name', 8),
    sni_bad('sni-leading-dot', 'a leading dot (.example.com)', b'.example.com', 'sni-bad-dns-name', 0),
    sni_bad('sni-leading-hyphen', 'a label starting with a hyphen', b'-xmpp.example.com', 'sni-bad-dns-name', 0,
            source=R6066 + '; RFC 1123 section 2.1'),
    sni_bad('sni-trailing-hyphen', 'a label ending with a hyphen', b'xmpp-.example.com', 'sni-bad-dns-name', 0),
    sni_bad('sni-underscore', 'an SRV-style label (_xmpp-client.example.com) is not a host name',
            b'_xmpp-client.example.com', 'sni-bad-dns-name', 0, source=R6066 + '; RFC 6125 section 6.5.1'),
    sni_bad('sni-u-label', 'a U-label (UTF-8 b\\u00fccher.example) instead of its A-label',
            'b\u00fccher.example'.encode(), 'sni-bad-dns-name', 1, source=R6066 + ' (HostName is ASCII A-labels)'),
    sni_bad('sni-space', 'a space inside the name', b'xmpp example.com', 'sni-bad-dns-name', 4),
    sni_bad('sni-at-sign', 'a JID (user@example.com) where a host name belongs', b'user@example.com', 'sni-bad-dns-name',
            4, source=R6066 + '; RFC 6120 section 13.7.2.1'),
    sni_bad('sni-empty-name', 'a host_name of length 0', b'', 'sni-empty', 0),
    hello_bad('sni-two-host-names', 'two host_name entries', R6066 + ' (no more than one name of a type)',
              H13.copy().set_ext(0, sni(b'example.com', b'evil.example')), 'sni-multiple',
              SNI_OFF + 4 + 2 + 3 + 11),
    hello_bad('sni-name-type-1', 'a name_type other than host_name (1)', R6066,
              H13.copy().set_ext(0, sni(b'example.com', name_type=1)), 'sni-not-host-name', SNI_OFF + 6),
    hello_bad('sni-empty-list', 'an empty server_name_list', R6066 + ' (server_name_list<1..2^16-1>)',
              H13.copy().set_ext(0, u16(0)), 'sni-bad-list', SNI_OFF),
    hello_bad('sni-list-too-long', 'a server_name_list length past the extension body', R6066,
              H13.copy().set_ext(0, u16(40) + sni(b'example.com')[2:]), 'sni-bad-list', SNI_OFF),
    hello_bad('sni-entry-overruns', 'a HostName length past the list', R6066,
              H13.copy().set_ext(0, u16(14) + b'\x00' + u16(20) + b'example.com'), 'sni-bad-list', SNI_OFF + 6),
    alpn_ok('alpn-xmpp-server', 'ALPN xmpp-server alone (direct TLS between servers)', [b'xmpp-server'],
            source=R7301 + '; ' + X0368),
    alpn_ok('alpn-h2-and-xmpp', 'ALPN h2 then xmpp-client (order kept)', [b'h2', b'xmpp-client'],
            source=R7301 + '; ' + X0368),
    alpn_ok('alpn-name-255', 'a 255-byte protocol name, the longest allowed', [b'x' * 255],
            source=R7301 + ' (ProtocolName<1..2^8-1>)'),
    alpn_ok('alpn-binary-name', 'a protocol name with NUL, CR, LF and a backslash (printed escaped)',
            [b'xmpp\x00client\r\n\\'], source=R7301 + ' (names are opaque bytes)'),
    hello_bad('alpn-empty-list', 'an empty protocol_name_list', R7301 + ' (ProtocolNameList<2..2^16-1>)',
              H13.copy().set_ext(16, u16(0)), 'alpn-empty-list', H13.ext_offset(16)),
    hello_bad('alpn-empty-name', 'xmpp-client then an empty protocol name', R7301 + ' (ProtocolName<1..2^8-1>)',
              H13.copy().set_ext(16, alpn(b'xmpp-client', b'')), 'alpn-empty-name', H13.ext_offset(16) + 6 + 12),
    hello_bad('alpn-name-overruns', 'a protocol name length past the list', R7301,
              H13.copy().set_ext(16, u16(12) + b'\x0cxmpp-client'), 'bad-extension', H13.ext_offset(16) + 6),
    hello_bad('alpn-list-too-long', 'a protocol_name_list length past the extension body', R7301,
              H13.copy().set_ext(16, u16(13) + b'\x0bxmpp-client'), 'bad-extension', H13.ext_offset(16)),
]

# ---------------------------------------------------------------------------
# tls-records

HS = record(handshake(H13_BODY))    # the TLS 1.3 capture
CCS = record(b'\x01', ctype=20, version=0x0303)
HSM = handshake(H13_BODY)
# A TLS 1.2 client's second flight: ClientKeyExchange (an X25519 share), then
# change_cipher_spec, then the Finished message encrypted (AES-GCM: 8-byte
# nonce, 16-byte body, 16-byte tag: 40 opaque bytes in a handshake record).
CKE = record(handshake(b'\x20' + bytes(range(32)), htype=16), version=0x0303)
FLIGHT2 = CKE + CCS + record(bytes(range(0x80, 0x80 + 40)), version=0x0303)

records = [
    tls_ok('empty-input', 'no bytes at all', R8446_51, b''),
    tls_ok('tls13-middlebox-ccs', 'the hello, then a dummy change_cipher_spec and an encrypted record',
           'RFC 8446 appendix D.4', HS + CCS + record(b'\x17' * 30, ctype=23, version=0x0303)),
    tls_ok('tls12-second-flight', 'ClientKeyExchange, change_cipher_spec, then the encrypted Finished in a '
           'handshake record (opaque, not reassembled)', 'RFC 5246 section 7.4.9; ' + R5246_62, FLIGHT2),
    tls_ok('protected-record-18432', 'after change_cipher_spec, a TLS 1.2 record of 2^14 + 2048 bytes',
           'RFC 5246 section 6.2.3', CCS + record(b'\x00' * 18432, ctype=23, version=0x0303)),
    tls_ok('plaintext-record-16384', 'application_data of exactly 2^14 bytes', R8446_51 + ' (length <= 2^14)',
           record(b'\x41' * 16384, ctype=23, version=0x0303)),
    tls_ok('zero-length-application-data', 'a zero-length application_data record (allowed)',
           R8446_51 + ' (zero-length application data may be sent)', record(b'', ctype=23, version=0x0303)),
    tls_ok('warning-close-notify', 'a warning-level close_notify alert', 'RFC 8446 section 6.1',
           record(b'\x01\x00', ctype=21, version=0x0303)),
    tls_ok('heartbeat-record', 'a heartbeat record (content type 24)', 'RFC 6520 section 3',
           record(b'\x01\x00\x10' + b'\x00' * 16, ctype=24, version=0x0303)),
    tls_ok('ssl3-record-version', 'a record whose legacy_record_version is SSL 3.0 (0x0300)',
           R5246_62 + '; RFC 8446 appendix D', record(HSM, version=0x0300)),
    tls_ok('message-in-one-byte-records', 'a server_hello_done message cut into 1-byte records', R8446_51,
           b''.join(record(bytes([b]), version=0x0303) for b in handshake(b'', htype=14))),
    tls_ok('record-size-limit-exact', 'with record_size_limit 512 negotiated, a 512-byte record',
           'RFC 8449 section 4', record(b'\x41' * 512, ctype=23, version=0x0303), record_size_limit=512),
    tls_bad('unknown-content-type', 'content type 25', R8446_51 + ' (unexpected_message)',
            record(HSM, ctype=25), 'unknown-content-type', 0, upto=0),
    tls_bad('content-type-zero-second', 'a record of type 0 after a valid hello', R8446_51,
            HS + record(b'\x00', ctype=0), 'unknown-content-type', len(HS), upto=len(HS)),
    tls_bad('high-bit-type-later', 'a type byte with the high bit set after the first record', R8446_51,
            HS + b'\x80\x2e\x01\x03\x01', 'unknown-content-type', len(HS), upto=len(HS)),
    tls_bad('bad-record-version', 'legacy_record_version 0x0201 (major version 2)', R8446_51,
            b'\x16\x02\x01' + HS[3:], 'bad-record-version', 1, upto=0),
    tls_bad('sslv2-client-hello', 'an SSL 2.0 CLIENT-HELLO (2-byte header, msg_type 1)', 'RFC 6176 section 3',
            b'\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10\x07\x00\xc0\x05\x00\x80\x03\x00\x80\x01\x00\x80'
            b'\x06\x00\x40\x04\x00\x80\x02\x00\x80' + bytes(range(16)), 'sslv2-hello', 0, upto=0),
    tls_bad('high-bit-not-sslv2', 'a high-bit first byte whose third byte is not 1', R8446_51,
            b'\x80\x2e\x02\x03\x01' + b'\x00' * 0x2e, 'unknown-content-type', 0, upto=0),
    tls_bad('plaintext-record-16385', 'application_data of 2^14 + 1 bytes', R8446_51 + ' (record_overflow)',
            record(b'\x41' * 16385, ctype=23, version=0x0303), 'record-overflow', 3, upto=0),
    tls_bad('protected-record-18433', 'after change_cipher_spec, a TLS 1.2 record of 2^14 + 2049 bytes',
            'RFC 5246 section 6.2.3', CCS + record(b'\x00' * 18433, ctype=23, version=0x0303), 'record-overflow',
            len(CCS) + 3, upto=len(CCS)),
    tls_bad('record-size-limit-exceeded', 'with record_size_limit 512 negotiated, a 513-byte record',
            'RFC 8449 section 4', record(b'\x41' * 513, ctype=23, version=0x0303), 'record-size-limit', 3, upto=0,
            record_size_limit=512),
    tls_bad('empty-handshake-record', 'a zero-length handshake record', R8446_51 + ' (MUST NOT send zero-length '
            'fragments of handshake types)', record(b''), 'empty-record', 3, upto=0),
    tls_bad('empty-alert-record', 'a zero-length alert record', R8446_51, HS + record(b'', ctype=21),
            'empty-record', len(HS) + 3, upto=len(HS)),
    tls_bad('empty-ccs-record', 'a zero-length change_cipher_spec record', R8446_51, record(b'', ctype=20),
            'empty-record', 3, upto=0),
    tls_bad('interleaved-alert', 'an alert between two fragments of the hello', R8446_51 + ' (no interleaving)',
            record(HSM[:100]) + record(b'\x01\x00', ctype=21) + record(HSM[100:]), 'interleaved-record', 105,
            upto=105),
    tls_bad('interleaved-ccs', 'change_cipher_spec between two fragments of the hello', R8446_51,
            record(HSM[:100]) + CCS + record(HSM[100:]), 'interleaved-record', 105, upto=105),
    tls_bad('interleaved-application-data', 'application_data between two fragments of the hello', R8446_51,
            record(HSM[:100]) + record(b'data', ctype=23) + record(HSM[100:]), 'interleaved-record', 105, upto=105),
    tls_bad('record-after-fatal-alert', 'a handshake_failure fatal alert, then the hello', 'RFC 8446 section 6',
            record(b'\x02\x28', ctype=21) + HS, 'record-after-fatal-alert', 7, upto=7),
    tls_bad('alert-three-bytes', 'an alert record of 3 bytes', 'RFC 8446 section 6', record(b'\x01\x00\x00', ctype=21),
            'bad-alert', 3, upto=0),
    tls_bad('alert-level-3', 'an alert of level 3', 'RFC 8446 section 6', record(b'\x03\x00', ctype=21),
            'bad-alert', 5, upto=0),
    tls_bad('ccs-value-2', 'change_cipher_spec with the value 2', R5246_62 + '; RFC 8446 section 5',
            record(b'\x02', ctype=20), 'bad-change-cipher-spec', 5, upto=0),
    tls_bad('ccs-two-bytes', 'change_cipher_spec of two bytes', 'RFC 8446 section 5', record(b'\x01\x01', ctype=20),
            'bad-change-cipher-spec', 5, upto=0),
    tls_bad('handshake-too-long', 'a handshake header claiming 65537 bytes (over the 64 KiB limit)',
            'RFC 8446 section 4 (uint24 length); CVE-2016-6307 (unbounded allocation)',
            record(b'\x01\x01\x00\x01' + H13_BODY), 'handshake-too-long', 6,
            events=['record handshake version=TLS 1.0 length=%d offset=0' % (4 + len(H13_BODY))]),
    tls_bad('truncated-header', 'three bytes of a record header', R8446_51, HS[:3], 'truncated', 0, upto=0),
    tls_bad('truncated-body', 'the capture cut to 100 bytes (inside the record)', R8446_51, HS[:100], 'truncated', 0,
            upto=0),
    tls_bad('truncated-message', 'the first of two hello fragments, then the end', R8446_51, record(HSM[:100]),
            'truncated', 5, events=['record handshake version=TLS 1.0 length=100 offset=0']),
    tls_bad('truncated-second-record', 'a complete hello, then half a record', R8446_51, HS + HS[:20], 'truncated',
            len(HS), upto=len(HS)),
]

# ---------------------------------------------------------------------------
# tls-starttls

TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls'
SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl'
C_HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>")
S_HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'>")
OUR_S_HEADER = S_HEADER.replace("id='s1'", "id='xmppfuzz'")
STARTTLS = "<starttls xmlns='%s'/>" % TLS_NS
PROCEED = "<proceed xmlns='%s'/>" % TLS_NS
FAILURE = "<failure xmlns='%s'/>" % TLS_NS
F_REQUIRED = "<stream:features><starttls xmlns='%s'><required/></starttls></stream:features>" % TLS_NS
F_OPTIONAL = ("<stream:features><starttls xmlns='%s'/><mechanisms xmlns='%s'><mechanism>SCRAM-SHA-1</mechanism>"
              "</mechanisms></stream:features>" % (TLS_NS, SASL_NS))
F_STRIPPED = ("<stream:features><mechanisms xmlns='%s'><mechanism>PLAIN</mechanism></mechanisms>"
              "</stream:features>" % SASL_NS)
MESSAGE = "<message to='victim@example.com'><body>injected</body></message>"
AUTH = "<auth xmlns='%s' mechanism='PLAIN'>AHVzZXIAcGVuY2ls</auth>" % SASL_NS
STREAM_ERROR = ("<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
                "</stream:stream>")
OUR_FEATURES = lambda required: ("<stream:features><starttls xmlns='%s'>%s</starttls></stream:features>" %
                                 (TLS_NS, '<required/>' if required else ''))


def our_error(condition):
    return ("<stream:error><%s xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>" %
            condition)


def st(name, description, source, role, text, expect, events, at=None, bound=False, require_tls=True, marker=None,
       nth=1):
    """|text| is the peer's plaintext (the input escapes allowed); a refusal
    is at the |nth| occurrence of |marker| (or at |at|), exactly unless
    |bound| (an offset the XML tokenizer reports: at-or-before)."""
    v = dict(kind='starttls', name=name, description=description, source=source, role=role, input=[text],
             require_tls=require_tls, events=events)
    if expect == 'refused':
        raise ValueError('give the code')
    if expect.startswith('refused-tls '):
        v['marker'], v['nth'], v['at'], v['bound'] = marker, nth, at, bound
    v['expect'] = expect
    return v


def client(name, description, source, text, expect, events, **kw):
    return st(name, description, source, 'client', text, expect, ['send ' + C_HEADER] + events, **kw)


def server(name, description, source, text, expect, events, required=True, **kw):
    return st(name, description, source, 'server', text, expect,
              ['send ' + OUR_S_HEADER + OUR_FEATURES(required)] + events, require_tls=required, **kw)


SEND_STARTTLS = 'send ' + STARTTLS
SEND_PROCEED = 'send ' + PROCEED

starttls = [
    # our client
    client('client-negotiates', 'features with <starttls><required/>, then <proceed/>', R6120_5 + '.4',
           S_HEADER + F_REQUIRED + PROCEED, 'start-tls', [SEND_STARTTLS, 'start-tls discarded=0']),
    client('client-optional-offer-taken', 'an optional <starttls/> offer: a client that requires TLS takes it',
           R6120_5 + '.3.1', S_HEADER + F_OPTIONAL + PROCEED, 'start-tls', [SEND_STARTTLS, 'start-tls discarded=0']),
    client('client-features-and-proceed-one-segment', 'the features and <proceed/> arrive in one read',
           R6120_5 + '.4.2.3', S_HEADER + F_REQUIRED + PROCEED, 'start-tls',
           [SEND_STARTTLS, 'start-tls discarded=0']),
    client('client-stripped', 'features without <starttls/> (a man in the middle stripped it): refused',
           R6120_5 + '.3.1; RFC 7457 section 2.1 (stripping)', S_HEADER + F_STRIPPED,
           'refused-tls starttls-stripped', [], marker='<stream:features'),
    client('client-stripped-empty-features', 'an empty <stream:features/>: refused', R6120_5 + '.3.1',
           S_HEADER + '<stream:features/>', 'refused-tls starttls-stripped', [], marker='<stream:features'),
    client('client-stripped-wrong-namespace', '<starttls/> in another namespace does not count', R6120_5 + '.4.1',
           S_HEADER + "<stream:features><starttls xmlns='urn:example:fake'/></stream:features>",
           'refused-tls starttls-stripped', [], marker='<stream:features'),
    client('client-stripped-tls-optional', 'features without <starttls/>, TLS optional: plaintext',
           R6120_5 + '.3.1', S_HEADER + F_STRIPPED, 'no-tls', ['no-tls'], require_tls=False),
    client('client-failure', 'the server answers <starttls/> with <failure/>', R6120_5 + '.4.2.2',
           S_HEADER + F_REQUIRED + FAILURE + '</stream:stream>', 'refused-tls starttls-refused', [SEND_STARTTLS],
           marker='<failure'),
    client('client-success-instead-of-proceed', 'a SASL <success/> where <proceed/> belongs', R6120_5 + '.4.2.3',
           S_HEADER + F_REQUIRED + "<success xmlns='%s'/>" % SASL_NS, 'refused-tls unexpected-element', [SEND_STARTTLS],
           marker='<success'),
    client('client-proceed-before-features', 'an unsolicited <proceed/> before the features', R6120_5 + '.4.2.3',
           S_HEADER + PROCEED, 'refused-tls unexpected-element', [], marker='<proceed'),
    client('client-message-before-features', 'a message stanza before the features', 'RFC 6120 section 4.3.2',
           S_HEADER + MESSAGE, 'refused-tls unexpected-element', [], marker='<message'),
    client('client-features-twice', 'a second <stream:features/> instead of <proceed/>', R6120_5 + '.4.2.3',
           S_HEADER + F_REQUIRED + F_REQUIRED, 'refused-tls unexpected-element', [SEND_STARTTLS],
           marker='<stream:features', nth=2),
    client('client-injection-after-proceed', 'plaintext stanzas injected after <proceed/> are discarded',
           R6120_5 + '.4.3.3; CVE-2011-0411; RFC 7457 section 2.2 (STARTTLS command injection)', S_HEADER + F_REQUIRED + PROCEED + MESSAGE,
           'start-tls', [SEND_STARTTLS, 'start-tls discarded=%d' % len(MESSAGE)]),
    client('client-injection-fake-features', 'fake features offering PLAIN injected after <proceed/> are discarded',
           'CVE-2011-0411 class; ' + R6120_5 + '.4.3.3', S_HEADER + F_REQUIRED + PROCEED + F_STRIPPED, 'start-tls',
           [SEND_STARTTLS, 'start-tls discarded=%d' % len(F_STRIPPED)]),
    client('client-stream-error', 'a stream error instead of features', 'RFC 6120 section 4.9',
           S_HEADER + STREAM_ERROR, 'refused-tls peer-stream-error', [], marker='<stream:error'),
    client('client-stream-error-after-starttls', 'a stream error in answer to <starttls/>', 'RFC 6120 section 4.9',
           S_HEADER + F_REQUIRED + STREAM_ERROR, 'refused-tls peer-stream-error', [SEND_STARTTLS],
           marker='<stream:error'),
    client('client-server-closes', 'the server closes the stream after the features', R6120_5 + '.4.2.2',
           S_HEADER + F_REQUIRED + '</stream:stream>', 'refused-tls peer-ended-stream', [SEND_STARTTLS],
           marker='</stream:stream>'),
    client('client-waits-for-proceed', 'the input ends after the features: our client waits for <proceed/>',
           R6120_5 + '.4.2.1', S_HEADER + F_REQUIRED, 'pending', [SEND_STARTTLS]),
    client('client-doctype', 'a DOCTYPE from the server is refused by the stream parser',
           'RFC 6120 section 11.1; CVE-2003-1564 class (entity expansion)',
           "<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY x 'y'>]>" + S_HEADER[21:] + F_REQUIRED,
           'refused-tls peer-stream-refused', ['peer-refused restricted-xml'], marker='<!DOCTYPE', bound=True),
    client('client-comment', 'a comment inside the features', 'RFC 6120 section 11.1',
           S_HEADER + '<stream:features><!-- x --></stream:features>', 'refused-tls peer-stream-refused',
           ['peer-refused restricted-xml'], marker='<!--', bound=True),
    client('client-invalid-utf8', 'an invalid UTF-8 byte inside the features', 'RFC 6120 section 11.6; RFC 3629',
           S_HEADER + "<stream:features><starttls xmlns='%s'/>\\xff</stream:features>" % TLS_NS,
           'refused-tls peer-stream-refused', ['peer-refused unsupported-encoding'], marker='\\xff', bound=True),
    # our server
    server('server-negotiates', 'the client header, then <starttls/>', R6120_5 + '.4',
           C_HEADER + STARTTLS, 'start-tls', [SEND_PROCEED, 'start-tls discarded=0']),
    server('server-optional-negotiates', 'TLS optional: <starttls/> is still honoured', R6120_5 + '.4',
           C_HEADER + STARTTLS, 'start-tls', [SEND_PROCEED, 'start-tls discarded=0'], required=False),
    server('server-pipelined-auth', 'an <auth/> pipelined after <starttls/> in one segment is discarded',
           R6120_5 + '.4.3.3; CVE-2011-0411; RFC 7457 section 2.2 (STARTTLS command injection)', C_HEADER + STARTTLS + AUTH, 'start-tls',
           [SEND_PROCEED, 'start-tls discarded=%d' % len(AUTH)]),
    server('server-pipelined-stanzas', 'a message and a presence pipelined after <starttls/> are discarded',
           'CVE-2011-0411 class', C_HEADER + STARTTLS + MESSAGE + '<presence/>', 'start-tls',
           [SEND_PROCEED, 'start-tls discarded=%d' % len(MESSAGE + '<presence/>')]),
    server('server-starttls-twice', 'two <starttls/> in one segment: the second is discarded', R6120_5 + '.4.2.3',
           C_HEADER + STARTTLS + STARTTLS, 'start-tls', [SEND_PROCEED, 'start-tls discarded=%d' % len(STARTTLS)]),
    server('server-auth-before-tls', '<auth/> before TLS on a server that requires it',
           'RFC 6120 section 6.5.4 (encryption-required); ' + R6120_5 + '.3.1', C_HEADER + AUTH,
           'refused-tls data-before-tls',
           ['send ' + "<failure xmlns='%s'><encryption-required/></failure>" % SASL_NS + our_error('policy-violation')],
           marker='<auth'),
    server('server-message-before-tls', 'a message before TLS on a server that requires it',
           'RFC 6120 section 4.9.3.12 (not-authorized); ' + R6120_5 + '.3.1', C_HEADER + MESSAGE,
           'refused-tls data-before-tls', ['send ' + our_error('not-authorized')], marker='<message'),
    server('server-iq-before-tls', 'an iq before TLS on a server that requires it', 'RFC 6120 section 4.9.3.12',
           C_HEADER + "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>", 'refused-tls data-before-tls',
           ['send ' + our_error('not-authorized')], marker='<iq'),
    server('server-wrong-namespace-starttls', '<starttls/> in another namespace is not STARTTLS', R6120_5 + '.4.1',
           C_HEADER + "<starttls xmlns='urn:example:fake'/>", 'refused-tls data-before-tls',
           ['send ' + our_error('not-authorized')], marker='<starttls'),
    server('server-optional-message-passes', 'TLS optional: a message before <starttls/> is left to the caller',
           R6120_5 + '.3.1', C_HEADER + MESSAGE, 'pending', [], required=False),
    server('server-optional-message-then-starttls', 'TLS optional: a message, then <starttls/>', R6120_5 + '.3.1',
           C_HEADER + MESSAGE + STARTTLS, 'start-tls', [SEND_PROCEED, 'start-tls discarded=0'], required=False),
    server('server-waits-for-starttls', 'the client header only: our server waits', R6120_5 + '.4.2.1',
           C_HEADER, 'pending', []),
    server('server-client-stream-error', 'a stream error from the client', 'RFC 6120 section 4.9',
           C_HEADER + STREAM_ERROR, 'refused-tls peer-stream-error', ['send ' + our_error('undefined-condition')],
           marker='<stream:error'),
    server('server-client-closes', 'the client closes the stream before STARTTLS', 'RFC 6120 section 4.4',
           C_HEADER + '</stream:stream>', 'refused-tls peer-ended-stream', ['send </stream:stream>'],
           marker='</stream:stream>'),
    st('server-starttls-before-header', '<starttls/> before any stream header (a root element outside the streams namespace)',
       R6120_5 + '.4.1; RFC 6120 sections 4.2, 4.8.1 and 4.9.3.10', 'server', STARTTLS, 'refused-tls peer-stream-refused',
       ['send ' + our_error('invalid-namespace'), 'peer-refused invalid-namespace'], marker='<starttls', bound=True),
    st('server-doctype', 'a DOCTYPE before the client header', 'RFC 6120 section 11.1; CVE-2003-1564 class',
       'server', "<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY x 'y'>]>" + C_HEADER[21:] + STARTTLS,
       'refused-tls peer-stream-refused', ['send ' + our_error('restricted-xml'), 'peer-refused restricted-xml'],
       marker='<!DOCTYPE', bound=True),
    server('server-invalid-utf8', 'an invalid UTF-8 byte in the plaintext phase', 'RFC 6120 section 11.6; RFC 3629',
           C_HEADER + '<message><body>\\xc3\\x28</body></message>', 'refused-tls peer-stream-refused',
           ['send ' + our_error('unsupported-encoding'), 'peer-refused unsupported-encoding'], marker='\\xc3',
           bound=True),
    server('server-processing-instruction', 'a processing instruction after the header', 'RFC 6120 section 11.1',
           C_HEADER + '<?evil data?>' + STARTTLS, 'refused-tls peer-stream-refused',
           ['send ' + our_error('restricted-xml'), 'peer-refused restricted-xml'], marker='<?evil', bound=True),
]

SUITE = {
    'tls-records': {'records': ('The TLS record layer: content types, versions, length bounds, empty, interleaved\n'
                                'and post-alert records, SSL 2.0 hellos, truncation (RFC 8446 section 5, RFC 5246\n'
                                'section 6.2, RFC 6176, RFC 8449).', records)},
    'tls-client-hello': {'client-hello': ('ClientHellos from openssl s_client (TLS 1.3 and 1.2) and mutations of them:\n'
                                          'every field rule of RFC 8446 section 4.1.2 / RFC 5246 section 7.4.1.2 and\n'
                                          'the extension bodies this layer decodes.', client_hello)},
    'tls-sni-alpn': {'sni-alpn': ('server_name (RFC 6066 section 3) and ALPN (RFC 7301 section 3.1, XEP-0368)\n'
                                  'edge cases, valid and invalid, on the TLS 1.3 capture.', sni_alpn)},
    'tls-starttls': {'starttls': ('The STARTTLS negotiation (RFC 6120 section 5) of our client and server:\n'
                                  'stripping, <failure/>, ordering, data before TLS, injection after <starttls/>\n'
                                  'and <proceed/> (CVE-2011-0411 class), hostile plaintext.', starttls)},
}

# ---------------------------------------------------------------------------
# tls-policy: an OpenSSL peer at security level 0, limited to the versions
# and suites below, against our hardened session (role: our side). The
# runner first proves the weak configuration real (two such peers complete a
# handshake). Our server names what it found (no-shared-cipher,
# protocol-version); our client names what the weak server answered (a
# handshake_failure alert) or protocol-version.

R9325 = 'RFC 9325 section 4.1'


def pol(name, description, source, role, versions, expect, ciphers=None, suites=None, key=None, events=None):
    v = dict(kind='tls-policy', name=name, description=description, source=source, role=role, versions=versions,
             ciphers=ciphers, suites=suites, key=key, expect=expect)
    if events is not None:
        v['events'] = events
    return v


def weak(name, description, source, versions, ciphers, server_code, client_code):
    return [pol('our-server-refuses-' + name, 'a client limited to ' + description, source, 'server', versions,
                'refused-tls ' + server_code, ciphers=ciphers),
            pol('our-client-refuses-' + name, 'a server limited to ' + description, source, 'client', versions,
                'refused-tls ' + client_code, ciphers=ciphers)]


def good(name, description, source, versions, cipher_name, ciphers=None, suites=None, key=None, roles=('server', 'client')):
    version = {'1.2': 'TLS 1.2', '1.3': 'TLS 1.3'}[versions.split('-')[-1]]
    return [pol('our-%s-accepts-%s' % (role, name), 'a %s offering %s' % ('client' if role == 'server' else 'server',
                                                                          description),
                source, role, versions, 'accepted', ciphers=ciphers, suites=suites,
                key=key if role == 'client' else None, events=['version ' + version, 'cipher ' + cipher_name])
            for role in roles]


CBC = ('ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:'
       'DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:@SECLEVEL=0')

policy = (
    weak('tls10', 'TLS 1.0', 'RFC 8996 section 2', '1.0', 'ALL:@SECLEVEL=0', 'protocol-version', 'protocol-version') +
    weak('tls11', 'TLS 1.1', 'RFC 8996 section 3', '1.1', 'ALL:@SECLEVEL=0', 'protocol-version', 'protocol-version') +
    weak('tls10-11', 'TLS 1.0 and 1.1', 'RFC 8996 section 5', '1.0-1.1', 'ALL:@SECLEVEL=0', 'protocol-version',
         'protocol-version') +
    weak('cbc-only', 'TLS 1.2 CBC suites with forward secrecy', 'RFC 9325 section 4.2; RFC 7457 section 2.8 '
         '(Lucky Thirteen, CVE-2013-0169)', '1.2', CBC, 'no-shared-cipher', 'handshake-failure-alert') +
    weak('null-cipher', 'NULL encryption suites', R9325 + ' (MUST NOT negotiate NULL)', '1.2',
         'eNULL:!aNULL:@SECLEVEL=0', 'no-shared-cipher', 'handshake-failure-alert') +
    weak('anonymous', 'anonymous key exchange suites', R9325 + ' (MUST NOT negotiate anonymous suites)', '1.2',
         'aNULL:!eNULL:@SECLEVEL=0', 'no-shared-cipher', 'handshake-failure-alert') +
    weak('static-rsa', 'static RSA key exchange (AEAD, no forward secrecy)', R9325 + ' (SHOULD NOT: no forward '
         'secrecy); RFC 7457 section 2.3', '1.2', 'kRSA:@SECLEVEL=0', 'no-shared-cipher', 'handshake-failure-alert') +
    good('tls13-aes128-gcm', 'TLS 1.3 with TLS_AES_128_GCM_SHA256 only', 'RFC 8446 section 9.1', '1.3',
         'TLS_AES_128_GCM_SHA256', suites='TLS_AES_128_GCM_SHA256') +
    good('tls13-chacha20', 'TLS 1.3 with TLS_CHACHA20_POLY1305_SHA256 only', 'RFC 8446 section 9.1; RFC 8439', '1.3',
         'TLS_CHACHA20_POLY1305_SHA256', suites='TLS_CHACHA20_POLY1305_SHA256') +
    good('tls12-ecdhe-rsa-aes128-gcm', 'TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256 only', 'RFC 9325 section 4.2', '1.2',
         'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', ciphers='ECDHE-RSA-AES128-GCM-SHA256') +
    good('tls12-ecdhe-rsa-chacha20', 'TLS 1.2 with ECDHE-RSA-CHACHA20-POLY1305 only', 'RFC 9325 section 4.2; RFC 7905',
         '1.2', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', ciphers='ECDHE-RSA-CHACHA20-POLY1305') +
    good('tls12-dhe-rsa-aes256-gcm', 'TLS 1.2 with DHE-RSA-AES256-GCM-SHA384 only', 'RFC 9325 section 4.2', '1.2',
         'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', ciphers='DHE-RSA-AES256-GCM-SHA384') +
    good('tls12-ecdhe-ecdsa-aes128-gcm', 'TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 and an EC certificate',
         'RFC 9325 section 4.2; RFC 8422', '1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
         ciphers='ECDHE-ECDSA-AES128-GCM-SHA256', key='ec', roles=('client',)) +
    good('legacy-peer-one-good-suite', 'TLS 1.0 to 1.2 with CBC and static RSA suites and one good AEAD suite: the '
         'good one at TLS 1.2', 'RFC 9325 sections 4.1 and 4.2', '1.0-1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
         ciphers='AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0')
)

SUITE['tls-policy'] = {'policy': ('Version and cipher policy of our hardened sessions (RFC 8996, RFC 9325): an\n'
                                  'OpenSSL peer at security level 0 limited to each weak configuration is refused,\n'
                                  'good configurations are accepted with the expected version and suite.', policy)}

# ---------------------------------------------------------------------------
# tls-cert-identity: certificates issued at run time by a CA the runner makes
# (trusted), verified at a fixed time for a reference domain (the JID
# domain) and stream kind. Presented identifiers: dns: (dNSName), srv:
# (SRVName otherName), xmpp: (XmppAddr otherName), cn: (subject CN), with the
# input escapes. Expected: which kind matched, or the tls::CertError name.

R6125 = 'RFC 6125 section 6'
R6120_137 = 'RFC 6120 section 13.7.1.2'


def cid(name, description, source, reference, presented, expect, service='c2s', **fields):
    v = dict(kind='cert-identity', name=name, description=description, source=source, reference=reference,
             service=service, presented=presented, **fields)
    if expect.startswith('match '):
        v['expect'] = 'accepted'
        v['events'] = [expect]
    else:
        v['expect'] = 'refused-cert ' + expect
    return v


cert_identity = [
    # DNS-ID
    cid('dns-id-equal', 'a DNS-ID equal to the reference domain', R6125 + '.4.1', 'example.org', 'dns:example.org',
        'match DNS-ID'),
    cid('dns-id-other-domain', 'a DNS-ID of another domain', R6125 + '.4.1', 'example.org', 'dns:example.net',
        'wrong-name'),
    cid('dns-id-subdomain', 'a DNS-ID of a subdomain (chat.example.org for example.org)', R6125 + '.4.1',
        'example.org', 'dns:chat.example.org', 'wrong-name'),
    cid('dns-id-case', 'a DNS-ID in another case', R6125 + '.4.1 (case-insensitive)', 'example.org',
        'dns:EXAMPLE.Org', 'match DNS-ID'),
    cid('dns-id-second-san', 'the second of two DNS-IDs matches', R6125 + '.3', 'example.org',
        'dns:example.net dns:example.org', 'match DNS-ID'),
    cid('dns-id-nul', 'a DNS-ID with a NUL (example.org\\0.evil.example)', R6125 + '.4.1; CVE-2009-2408',
        'example.org', 'dns:example.org\\x00.evil.example', 'wrong-name'),
    cid('dns-id-trailing-dot', 'a DNS-ID ending in a dot', R6125 + '.4.1', 'example.org', 'dns:example.org.',
        'wrong-name'),
    cid('reference-trailing-dot', 'a reference domain with one trailing dot', 'RFC 7622 section 3.2; ' + R6125 + '.4.1',
        'example.org.', 'dns:example.org', 'match DNS-ID'),
    cid('reference-idn', 'a U-label reference domain against its A-label DNS-ID', R6125 + '.4.2; RFC 5891',
        'b\\u{FC}cher.example', 'dns:xn--bcher-kva.example', 'match DNS-ID'),
    cid('reference-ip-literal', 'an IP address as the reference domain', R6125 + '.2.1; RFC 6120 section 13.7.2.1',
        '192.0.2.1', 'dns:example.org', 'bad-reference-identity'),
    cid('wildcard-one-label', '*.example.org for chat.example.org', R6125 + '.4.3', 'chat.example.org',
        'dns:*.example.org', 'match DNS-ID'),
    cid('wildcard-not-the-parent', '*.example.org for example.org', R6125 + '.4.3 (one label)', 'example.org',
        'dns:*.example.org', 'wrong-name'),
    cid('wildcard-not-two-labels', '*.example.org for a.b.example.org', R6125 + '.4.3', 'a.b.example.org',
        'dns:*.example.org', 'wrong-name'),
    cid('wildcard-partial-label', 'ch*.example.org (a partial wildcard)', R6125 + '.4.3; RFC 9525 section 6.3',
        'chat.example.org', 'dns:ch*.example.org', 'wrong-name'),
    cid('wildcard-not-left-most', 'chat.*.org (a wildcard not in the left-most label)', R6125 + '.4.3',
        'chat.example.org', 'dns:chat.*.org', 'wrong-name'),
    cid('wildcard-public-suffix', '*.co.uk (a wildcard over a public suffix)', R6125 + '.4.3; RFC 9525 section 6.3',
        'example.co.uk', 'dns:*.co.uk', 'wrong-name'),
    cid('wildcard-tld', '*.org', R6125 + '.4.3', 'example.org', 'dns:*.org', 'wrong-name'),
    # SRV-ID
    cid('srv-id-c2s', '_xmpp-client.example.org on a c2s stream', R6120_137 + '; RFC 6125 section 6.5.1; RFC 4985',
        'example.org', 'srv:_xmpp-client.example.org', 'match SRV-ID'),
    cid('srv-id-s2s', '_xmpp-server.example.org on an s2s stream', R6120_137 + '; RFC 4985', 'example.org',
        'srv:_xmpp-server.example.org', 'match SRV-ID', service='s2s'),
    cid('srv-id-wrong-service', '_xmpp-server.example.org on a c2s stream', R6120_137 + '; RFC 6125 section 6.5.1',
        'example.org', 'srv:_xmpp-server.example.org', 'wrong-name'),
    cid('srv-id-other-domain', '_xmpp-client.example.net for example.org', R6120_137, 'example.org',
        'srv:_xmpp-client.example.net', 'wrong-name'),
    cid('srv-id-no-wildcard', '_xmpp-client.*.org', R6120_137 + '; RFC 4985 section 2', 'example.org',
        'srv:_xmpp-client.*.org', 'wrong-name'),
    # XmppAddr
    cid('xmppaddr-domain', 'an XmppAddr of the bare domain', 'RFC 6120 section 13.7.1.4', 'example.org',
        'xmpp:example.org', 'match XmppAddr'),
    cid('xmppaddr-s2s', 'an XmppAddr of the bare domain on an s2s stream', 'RFC 6120 section 13.7.1.4', 'example.org',
        'xmpp:example.org', 'match XmppAddr', service='s2s'),
    cid('xmppaddr-with-localpart', 'an XmppAddr with a localpart (user@example.org)', 'RFC 6120 section 13.7.1.4',
        'example.org', 'xmpp:user@example.org', 'wrong-name'),
    cid('xmppaddr-no-wildcard', 'an XmppAddr *.example.org', 'RFC 6120 section 13.7.1.4', 'chat.example.org',
        'xmpp:*.example.org', 'wrong-name'),
    # CN-ID
    cid('cn-id-only', 'a subject CN and no subjectAltName', R6125 + '.4.4; RFC 6120 section 13.7.2.1', 'example.org',
        'cn:example.org', 'match CN-ID'),
    cid('cn-id-behind-san', 'a matching CN behind a subjectAltName that does not match', R6125 + '.4.4',
        'example.org', 'dns:example.net cn:example.org', 'wrong-name'),
    cid('cn-id-two-cns', 'two subject CNs (none is used)', R6125 + '.2.1', 'example.org',
        'cn:example.org cn:example.org', 'wrong-name'),
    # Chain and certificate flags (RFC 5280 through X509_verify_cert)
    cid('expired', 'a certificate whose notAfter has passed', 'RFC 5280 section 6.1.3', 'example.org',
        'dns:example.org', 'expired', validity='expired'),
    cid('not-yet-valid', 'a certificate whose notBefore is in the future', 'RFC 5280 section 6.1.3', 'example.org',
        'dns:example.org', 'not-yet-valid', validity='not-yet-valid'),
    cid('self-signed', 'a self-signed certificate that is not a trust anchor', 'RFC 5280 section 6.1; RFC 6120 '
        'section 13.7.2.3', 'example.org', 'dns:example.org', 'self-signed', issuer='self-signed'),
    cid('unknown-issuer', 'a certificate from a CA that is not trusted', 'RFC 5280 section 6.1', 'example.org',
        'dns:example.org', 'unknown-issuer', issuer='unknown'),
    cid('leaf-is-ca', 'the peer\'s certificate has basicConstraints cA TRUE', 'RFC 5280 section 4.2.1.9',
        'example.org', 'dns:example.org', 'leaf-is-ca', basic_constraints='critical,CA:TRUE'),
    cid('key-usage-cert-sign-only', 'keyUsage keyCertSign only (no digitalSignature)', 'RFC 5280 section 4.2.1.3; '
        'RFC 5246 section 7.4.2', 'example.org', 'dns:example.org', 'bad-key-usage',
        key_usage='critical,keyCertSign'),
    cid('eku-client-only', 'extendedKeyUsage clientAuth only, for a TLS server', 'RFC 5280 section 4.2.1.12',
        'example.org', 'dns:example.org', 'bad-extended-key-usage', ext_key_usage='clientAuth'),
    cid('eku-server', 'extendedKeyUsage serverAuth', 'RFC 5280 section 4.2.1.12', 'example.org', 'dns:example.org',
        'match DNS-ID', ext_key_usage='serverAuth'),
    # Pinning (SHA-256 of the SubjectPublicKeyInfo, RFC 7469 section 2.4)
    cid('pin-leaf-with-chain', 'the leaf\'s SPKI pinned, chain checked too', 'RFC 7469 section 2.4; RFC 7590 '
        'section 3.4', 'example.org', 'dns:example.org', 'match DNS-ID', pin='leaf'),
    cid('pin-ca-with-chain', 'the CA\'s SPKI pinned, chain checked too', 'RFC 7469 section 2.4', 'example.org',
        'dns:example.org', 'match DNS-ID', pin='ca'),
    cid('pin-other-with-chain', 'another key pinned: the valid chain does not help', 'RFC 7469 section 2.4',
        'example.org', 'dns:example.org', 'wrong-pin', pin='other'),
    cid('pin-leaf-instead-of-chain', 'a self-signed certificate whose SPKI is pinned instead of a chain',
        'RFC 7469 section 2.4; RFC 6120 section 13.7.2.3', 'example.org', 'dns:example.org', 'match DNS-ID',
        issuer='self-signed', pin='leaf instead-of-chain'),
    cid('pin-other-instead-of-chain', 'a self-signed certificate, another key pinned', 'RFC 7469 section 2.4',
        'example.org', 'dns:example.org', 'wrong-pin', issuer='self-signed', pin='other instead-of-chain'),
    cid('pin-leaf-still-checks-name', 'the pinned leaf names another domain', 'RFC 7469 section 2.4; RFC 6125 '
        'section 6', 'example.org', 'dns:example.net', 'wrong-name', pin='leaf'),
]

SUITE['tls-cert-identity'] = {'cert-identity': (
    'Certificate identity for XMPP (RFC 6125 section 6 as applied by RFC 6120 section 13.7\n'
    'and RFC 7590): DNS-ID, SRV-ID, XmppAddr, CN-ID, wildcards, chain and flags, SPKI\n'
    'pinning. Certificates are issued by the runner at run time.', cert_identity)}
