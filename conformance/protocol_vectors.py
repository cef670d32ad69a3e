"""Protocol scenarios (README.md, "Protocol scenarios"): scripted client
sessions against a server, categories proto-*.

Each scenario is a list of steps, one a line, `<verb> [options] -> <outcome>`,
where the outcome is what a conforming server shows at that step
(alternatives separated by '|'). conformance/generate-vectors writes them as
`kind: protocol` vectors into conformance/vectors/proto-*/; the executor
(conformance/protocol/executor.cc) plays them against the reference server in
process and against live servers over TCP.
"""

R6120_5 = 'RFC 6120 section 5'
R6120_6 = 'RFC 6120 section 6'

# The common openings: a stream, STARTTLS, TLS with our hardened client, the
# restarted stream inside TLS.
OPEN = 'open -> features starttls'
STARTTLS = 'starttls -> proceed'
TLS = 'tls -> established'
INSIDE = 'open -> features no-starttls mechanisms'
SECURE = [OPEN, STARTTLS, TLS, INSIDE]
# TLS 1.2 with our OpenSSL client (ECDHE + AES-GCM), for tls-unique.
TLS12 = 'tls min=1.2 max=1.2 ciphers=ECDHE+AESGCM -> established'
SECURE12 = [OPEN, STARTTLS, TLS12, INSIDE]
LOGGED_IN = ['open -> features bind', 'bind -> result', 'ping -> result']


def scenario(name, description, source, steps, config=None, acceptable=(), live=None):
    v = dict(kind='protocol', name=name, description=description, source=source, steps=list(steps),
             acceptable=list(acceptable))
    if config:
        v['config'] = config
    if live:
        v['live'] = live
    return v


starttls = [
    scenario('offered', 'STARTTLS is offered in the first features, and negotiates',
             'RFC 6120 section 5.3.1, 5.4.3.3 (mandatory to implement); RFC 7590 section 3.1',
             SECURE),
    scenario('required', 'a server configured to require TLS says so with <required/>',
             'RFC 6120 section 5.3.1, 5.4.1', ['open -> features starttls-required'],
             config='starttls-required'),
    scenario('credentials-before-tls-refused', 'SASL PLAIN with the right password before TLS, TLS required',
             'RFC 6120 section 5.3.1, 6.4.5, 6.5.4 (encryption-required)',
             [OPEN, 'auth PLAIN -> failure encryption-required'],
             config='starttls-required',
             acceptable=[('deviates 2 stream-error policy-violation',
                          'RFC 6120 5.3.1 lets a server that requires TLS end a stream that skips it'),
                         ('deviates 2 stream-error not-authorized',
                          'RFC 6120 5.3.1 lets a server that requires TLS end a stream that skips it')]),
    scenario('credentials-before-tls-not-accepted', 'SASL PLAIN with the right password before TLS never succeeds',
             'RFC 6120 section 13.8, 13.9.4; RFC 4616 section 6; RFC 7590 section 3.2',
             [OPEN, 'auth PLAIN -> failure | stream-error | closed']),
    scenario('plain-not-offered-before-tls', 'the features before TLS do not offer PLAIN',
             'RFC 6120 section 13.9.4; RFC 4616 section 6; RFC 7590 section 3.2',
             ['open -> features lacks=PLAIN']),
    scenario('stanza-before-tls-refused', 'an iq before TLS on a server that requires TLS',
             'RFC 6120 section 5.3.1, 4.9.3.12 (not-authorized)',
             [OPEN, "send <iq type='get' id='early' to='{domain}'><ping xmlns='urn:xmpp:ping'/></iq> -> "
                    'stream-error not-authorized | stream-error policy-violation'],
             config='starttls-required'),
    scenario('pipelined-auth-discarded', 'a PLAIN <auth/> sent in the same segment as <starttls/> is not acted on '
             'after the handshake', 'RFC 6120 section 5.4.3.3; CVE-2011-0411; RFC 7457 section 2.2',
             [OPEN,
              "starttls pipeline <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth> -> proceed",
              TLS, INSIDE, 'wait -> no-reply', 'auth SCRAM -> success'],
             acceptable=[('deviates 3 refused', 'the server ended the connection over the pipelined bytes instead of '
                          'discarding them: nothing was executed')]),
    scenario('pipelined-iq-discarded', 'an iq ping sent in the same segment as <starttls/> is not answered after the '
             'handshake', 'RFC 6120 section 5.4.3.3; CVE-2011-0411; RFC 7457 section 2.2',
             [OPEN,
              "starttls pipeline <iq type='get' id='pipelined' to='{domain}'><ping xmlns='urn:xmpp:ping'/></iq> -> proceed",
              TLS, INSIDE, 'wait -> no-reply'],
             acceptable=[('deviates 3 refused', 'the server ended the connection over the pipelined bytes instead of '
                          'discarding them: nothing was executed')]),
    scenario('second-starttls-refused', '<starttls/> again inside TLS is refused',
             'RFC 6120 section 5.3.1 (STARTTLS is not offered again), 5.4.2.2',
             SECURE + ['starttls -> tls-failure | stream-error | closed']),
]

tls = [
    scenario('tls10-refused', 'a client offering only TLS 1.0 is refused', 'RFC 8996 section 2; RFC 9325 section 3.1.1',
             [OPEN, STARTTLS, 'tls max=1.0 -> refused']),
    scenario('tls11-refused', 'a client offering only TLS 1.1 is refused', 'RFC 8996 section 3; RFC 9325 section 3.1.1',
             [OPEN, STARTTLS, 'tls min=1.1 max=1.1 -> refused']),
    scenario('tls12-accepted', 'TLS 1.2 with ECDHE and AES-GCM is accepted', 'RFC 9325 section 3.1.1, 4.2',
             [OPEN, STARTTLS, TLS12]),
    scenario('tls13-accepted', 'TLS 1.3 is accepted', 'RFC 9325 section 3.1.1 (SHOULD support TLS 1.3)',
             [OPEN, STARTTLS, 'tls min=1.3 -> established']),
    scenario('null-suites-refused', 'a TLS 1.2 client offering only NULL (no encryption) suites is refused',
             'RFC 9325 section 4.1', [OPEN, STARTTLS, 'tls max=1.2 ciphers=eNULL:@SECLEVEL=0 -> refused']),
    scenario('anonymous-suites-refused', 'a TLS 1.2 client offering only anonymous (aNULL) suites is refused',
             'RFC 9325 section 4.1', [OPEN, STARTTLS, 'tls max=1.2 ciphers=aNULL:@SECLEVEL=0 -> refused']),
    scenario('static-rsa-refused', 'a TLS 1.2 client offering only static-RSA key exchange (no forward secrecy) '
             'is refused', 'RFC 9325 section 4.1', [OPEN, STARTTLS, 'tls max=1.2 ciphers=kRSA:@SECLEVEL=0 -> refused']),
    scenario('cbc-only-refused', 'a TLS 1.2 client offering only CBC (non-AEAD) ECDHE suites is refused',
             'RFC 9325 section 4.2 (AEAD suites)',
             [OPEN, STARTTLS, 'tls max=1.2 ciphers=ECDHE+AES:-AESGCM:-AESCCM:@SECLEVEL=0 -> refused']),
    scenario('grade', 'tls::Grade over STARTTLS: only TLS 1.2 / 1.3, AEAD, forward-secret, authenticated suites',
             'RFC 8996; RFC 9325 section 3.1, 4.1, 4.2 (BCP 195)', ['grade -> hardened']),
    scenario('renegotiation', 'a client-initiated renegotiation on TLS 1.2 is refused, or secure (RFC 5746)',
             'RFC 5746; RFC 9325 section 3.5',
             [OPEN, STARTTLS, TLS12, 'renegotiate -> refused | renegotiated']),
    scenario('compression-not-negotiated', 'a TLS 1.2 client offering compression gets none',
             'RFC 9325 section 3.3; CVE-2012-4929 (CRIME)',
             [OPEN, STARTTLS, 'tls max=1.2 ciphers=ECDHE+AESGCM compression -> established']),
    scenario('certificate-names-domain', 'the certificate names the domain (DNS-ID, SRV-ID or XmppAddr) and is '
             'in its validity period', 'RFC 6120 section 13.7.1.2, 13.7.2.1; RFC 6125 section 6; RFC 7590 section 3.3',
             [OPEN, STARTTLS, TLS, 'certificate -> matches']),
    scenario('direct-tls', 'direct TLS with ALPN xmpp-client, then a stream without STARTTLS', 'XEP-0368 section 3, 4',
             ['tls alpn=xmpp-client min=1.2 -> established', INSIDE], config='direct-tls'),
]

mechanisms = [
    scenario('before-tls-no-weak', 'no weak mechanism (DIGEST-MD5, CRAM-MD5, ANONYMOUS, LOGIN, PLAIN) before TLS',
             'RFC 6120 section 13.8, 13.9.4; RFC 6331 (DIGEST-MD5 historic); RFC 7590 section 3.2',
             ['open -> features no-weak']),
    scenario('after-tls-no-weak', 'no DIGEST-MD5, CRAM-MD5, ANONYMOUS or LOGIN inside TLS',
             'RFC 6331; RFC 7590 section 3.2', [OPEN, STARTTLS, TLS, 'open -> features no-weak']),
    scenario('scram-sha-1-offered', 'SCRAM-SHA-1 (mandatory to implement) is offered inside TLS',
             'RFC 6120 section 13.8', [OPEN, STARTTLS, TLS, 'open -> features has=SCRAM-SHA-1']),
    scenario('scram-sha-256-offered', 'SCRAM-SHA-256 is offered inside TLS', 'RFC 7677 section 4',
             [OPEN, STARTTLS, TLS, 'open -> features has=SCRAM-SHA-256']),
    scenario('plus-valid-tls13', '-PLUS and the XEP-0440 types on TLS 1.3 name only bindings TLS 1.3 has '
             '(no tls-unique)', 'RFC 9266 section 3, 4; XEP-0440 section 4',
             [OPEN, STARTTLS, 'tls min=1.3 -> established', 'open -> features plus-valid cb-valid']),
    scenario('plus-valid-tls12', '-PLUS and the XEP-0440 types on TLS 1.2 name only bindings that exist',
             'RFC 5929; RFC 9266 section 3; XEP-0440 section 4', [OPEN, STARTTLS, TLS12,
                                                                 'open -> features plus-valid cb-valid']),
    scenario('xep-0440-listed', 'a server that offers -PLUS lists its channel-binding types (XEP-0440)',
             'XEP-0440 section 3, 4', [OPEN, STARTTLS, TLS12, 'open -> features cb-listed']),
    scenario('scram-login', 'the strongest SCRAM offered logs in (server signature verified), then bind and ping',
             'RFC 5802 section 5; RFC 6120 section 6, 7; XEP-0199',
             SECURE + ['auth SCRAM -> success'] + LOGGED_IN),
    scenario('plain-login-inside-tls', 'PLAIN inside TLS logs in', 'RFC 4616; RFC 6120 section 6.3.8',
             SECURE + ['if-offered PLAIN', 'auth PLAIN -> success'] + LOGGED_IN,
             acceptable=[('not-offered PLAIN', 'a server may offer SCRAM only')]),
    scenario('unknown-mechanism-refused', 'a mechanism the server does not offer is refused',
             'RFC 6120 section 6.4.3, 6.5.5 (invalid-mechanism)',
             SECURE + ['auth XMPPFUZZ-UNKNOWN -> failure invalid-mechanism']),
    scenario('digest-md5-refused', 'DIGEST-MD5 inside TLS is refused (not offered)',
             'RFC 6331; RFC 6120 section 6.5.5, 6.5.7',
             SECURE + ['auth DIGEST-MD5 -> failure invalid-mechanism | failure mechanism-too-weak']),
]
for cb, tls_steps, extra in (('tls-exporter', SECURE, 'TLS 1.3'), ('tls-server-end-point', SECURE, 'TLS 1.3'),
                             ('tls-unique', SECURE12, 'TLS 1.2')):
    mechanisms.append(scenario(
        'plus-' + cb + '-works', 'the strongest SCRAM -PLUS with ' + cb + ' over ' + extra + ' logs in, when listed',
        'RFC 5802 section 6; RFC 9266; RFC 5929; XEP-0440 section 4',
        tls_steps + ['if-offered SCRAM-PLUS cb=' + cb, 'auth SCRAM-PLUS cb=' + cb + ' -> success'] + LOGGED_IN,
        acceptable=[('not-offered', 'the server does not list ' + cb + ' (XEP-0440) with a -PLUS mechanism')]))


def tampered(name, description, source, tamper, outcome, mechanism='SCRAM', guard=None, acceptable=(), extra=''):
    steps = list(SECURE)
    if guard:
        steps.append('if-offered ' + guard)
    steps.append('auth %s tamper=%s%s -> %s' % (mechanism, tamper, extra, outcome))
    acc = list(acceptable)
    if guard:
        acc.append(('not-offered', 'the server does not offer ' + guard))
    return scenario(name, description, source, steps, acceptable=acc)


NOT_AUTH = 'failure not-authorized'
scram = [
    tampered('nonce-not-combined', 'client-final r= is not the client+server nonce (last character changed)',
             'RFC 5802 section 5.1 (r), 7', 'nonce', 'failure not-authorized | failure malformed-request'),
    tampered('proof-flipped', 'the ClientProof with one bit flipped', 'RFC 5802 section 5.1 (p); RFC 6120 section 6.5.10',
             'proof', NOT_AUTH),
    tampered('wrong-password', 'a proof computed from another password', 'RFC 5802 section 5.1; RFC 6120 section 6.5.10',
             'wrong-password', NOT_AUTH),
    tampered('proof-for-unknown-user', 'the account\'s password proved for a user that does not exist',
             'RFC 5802 section 5.1, 7 (e=unknown-user); RFC 6120 section 6.5.10', 'other-user', NOT_AUTH),
    tampered('gs2-y-while-plus', "gs2 flag 'y' although the server offers -PLUS: a downgrade",
             'RFC 5802 section 6 (e=server-does-support-channel-binding)', 'gs2-y', 'failure', guard='SCRAM-PLUS'),
    tampered('cb-unknown-type', "p= with a channel-binding type that does not exist",
             'RFC 5802 section 6, 7 (e=unsupported-channel-binding-type)', 'cb-unknown', 'failure',
             mechanism='SCRAM-PLUS', guard='SCRAM-PLUS'),
    tampered('cb-unadvertised-type', "p=tls-unique over TLS 1.3, where it does not exist and is not advertised",
             'RFC 9266 section 3; RFC 5802 section 6; XEP-0440 section 4', 'cb-unadvertised', 'failure',
             mechanism='SCRAM-PLUS', guard='SCRAM-PLUS'),
    tampered('cb-data-wrong', 'c= carries the right gs2 header but channel-binding data with one bit flipped',
             'RFC 5802 section 6 (e=channel-bindings-dont-match); RFC 6120 section 6.5.10', 'cb-wrong', NOT_AUTH,
             mechanism='SCRAM-PLUS', guard='SCRAM-PLUS'),
    tampered('c-not-gs2-header', "c= is base64 of 'y,,' after a client-first that sent 'n,,'",
             'RFC 5802 section 5.1 (c), 7 (e=channel-bindings-dont-match)', 'c-mismatch', 'failure'),
    tampered('bad-saslname-escape', "n= carries '=3C', which is not one of the two saslname escapes",
             'RFC 5802 section 5.1, 7 (saslname; e=invalid-username-encoding); RFC 6120 section 6.5.8', 'bad-saslname',
             'failure malformed-request | failure not-authorized'),
    tampered('mandatory-extension', "client-first has the reserved mandatory extension m=",
             'RFC 5802 section 5.1 (m: the server MUST fail), 7 (e=extensions-not-supported)', 'mandatory-ext',
             'failure'),
    tampered('authzid-other-user', 'a= asks to act as admin@DOMAIN', 'RFC 5802 section 5.1 (a); RFC 6120 section 6.5.6',
             'authzid-other', 'failure invalid-authzid | failure not-authorized'),
    tampered('oversize-client-first', 'a client-first with a 20 000-byte nonce',
             'RFC 6120 section 13.12 (resource exhaustion); RFC 5802 section 7', 'oversize',
             'failure | stream-error | closed'),
    tampered('malformed-client-first', 'a client-first without gs2 header or attributes',
             'RFC 5802 section 7; RFC 6120 section 6.5.8 (malformed-request)', 'malformed',
             'failure malformed-request | failure incorrect-encoding'),
    scenario('replayed-client-final', 'a client-final that logged in once, replayed on a new connection',
             'RFC 5802 section 9 (the server nonce defeats replay)',
             SECURE + ['auth SCRAM -> success', 'reconnect'] + SECURE +
             ['auth SCRAM tamper=replay -> failure not-authorized | failure malformed-request']),
    scenario('downgrade-hash', 'server-first carries XEP-0474 h= and it is the hash of the advertised lists',
             'XEP-0474 section 3, 4', SECURE + ['auth SCRAM check-h -> success'],
             acceptable=[('deviates 5 h-missing', 'XEP-0474 (Experimental) is not implemented by the server')]),
]

SUITE = {
    'proto-starttls': {'starttls': ('STARTTLS scenarios: offered, required, credentials before TLS, bytes pipelined\n'
                                    'after <starttls/>, <starttls/> inside TLS (RFC 6120 section 5).', starttls)},
    'proto-tls': {'tls': ('TLS policy over STARTTLS: versions (RFC 8996), suites, renegotiation, compression,\n'
                          'the certificate, grading with tls::Grade, direct TLS (BCP 195 / RFC 9325, XEP-0368).', tls)},
    'proto-mechanisms': {'mechanisms': ('SASL mechanisms before and after TLS, weak ones, -PLUS and the XEP-0440\n'
                                        'channel-binding types, each type used (RFC 6120 section 6, RFC 9266).',
                                        mechanisms)},
    'proto-scram': {'scram': ("The server's SCRAM checks, each a tampered exchange from our client (RFC 5802,\n"
                              'RFC 7677, RFC 9266), a replayed client-final and XEP-0474 h=.', scram)},
}


# The SASL vectors of conformance/sasl_vectors.py that apply to a live server
# as they are: server-role vectors whose one client message (a SCRAM
# client-first, or a PLAIN message) must be refused, whatever the account,
# salt or nonce. Each is sent as an <auth/> inside TLS; the SCRAM ones name
# SCRAM-SHA-1 (the mechanism every server offers; the client-first grammar
# is the same for every hash). The others depend on the reference's fixed
# salts and nonces, or on an account or channel binding the vector fixes.
SASL_B64 = {'client-nonce': 'rOprNGfwEbeRWgbNEkqO'}


def _sasl_bytes(payload):
    r"""The .vec input escapes (\xHH, \u{H...}) and {client-nonce} decoded."""
    import re
    for key, value in SASL_B64.items():
        payload = payload.replace('{' + key + '}', value)
    out = bytearray()
    i = 0
    while i < len(payload):
        if payload.startswith('\\x', i):
            out.append(int(payload[i + 2:i + 4], 16))
            i += 4
        elif payload.startswith('\\u{', i):
            end = payload.index('}', i)
            out += chr(int(payload[i + 3:end], 16)).encode('utf-8')
            i = end + 1
        elif payload[i] == '\\':
            raise ValueError('unknown escape in SASL payload: ' + payload[i:i + 4])
        elif payload[i] == '{':
            raise ValueError('placeholder left in SASL payload: ' + payload)
        else:
            out += payload[i].encode('utf-8')
            i += 1
    return bytes(out)


def _sasl_replays():
    import base64
    import sasl_vectors
    defaults = {'kind', 'name', 'description', 'source', 'role', 'exchange', 'expect', 'check', 'user', 'password',
                'salt', 'iterations', 'client-nonce', 'tls'}
    replays = []
    for category, files in sasl_vectors.SUITE.items():
        if category == 'sasl-policy':
            continue  # mechanism choice: the mechanism name is the vector
        for _, (_, items) in files.items():
            for v in items:
                if v['role'] != 'server' or len(v['exchange']) != 1 or not v['expect'].startswith('failure'):
                    continue
                if set(v) - defaults:
                    continue  # an authzid, an offer, a binding: the vector fixes more than the message
                if v.get('user') != 'user' or v.get('password') != 'pencil' or v.get('tls', 'yes') != 'yes':
                    continue  # another account, or a vector about the cleartext stream
                head, _, payload = v['exchange'][0].partition(': ')
                if len(head.split()) != 2 or head.split()[0] != 'auth':
                    continue
                mechanism = head.split()[1]
                if mechanism.startswith('SCRAM-'):
                    if mechanism.endswith('-PLUS'):
                        continue
                    mechanism = 'SCRAM-SHA-1'
                elif mechanism != 'PLAIN':
                    continue
                try:
                    raw = _sasl_bytes(payload)
                except ValueError:
                    continue
                wire = base64.b64encode(raw).decode('ascii') if raw else '='
                condition = v['expect'].split()[1] if len(v['expect'].split()) > 1 else ''
                expect = 'failure ' + condition if condition else 'failure'
                step = ("send <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='%s'>%s</auth> -> %s"
                        % (mechanism, wire, expect))
                acceptable = []
                if condition and condition != 'not-authorized':
                    acceptable.append(('deviates 5 failure not-authorized',
                                       'refused, with the generic not-authorized (RFC 6120 section 6.5.10) '
                                       'instead of ' + condition))
                replays.append(scenario(
                    category.replace('sasl-', '') + '-' + v['name'],
                    'the SASL vector %s/%s sent live: %s' % (category, v['name'], v['description']),
                    v['source'] + '; RFC 6120 section 6.4.5, 6.5',
                    SECURE + [step], acceptable=acceptable))
    return replays


sasl_replay = _sasl_replays()
SUITE['proto-sasl-replay'] = {'replay': (
    'The SASL vectors that apply to a live server as they are (conformance/sasl_vectors.py):\n'
    'one client message that must be refused, sent as an <auth/> inside TLS.', sasl_replay)}
