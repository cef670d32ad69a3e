"""Hostile-server scenarios (kind: client) for conformance/generate-vectors:
categories client-tls, client-sasl, client-xml and client-origin
(README.md, "Hostile server: client libraries").

Each vector says how the scripted server misbehaves (server: words), what
RFC 6120 / 5802 / 7590 / 6125 require of a client (requires:), the check that
judges the run and the finding a client that fails it is reported as. The
input block, when there is one, is what the server sends once the client is
online (between two marker messages, ids xf-before and xf-after); header: is
a stream header the server sends instead of its own after SASL success.
Placeholders replaced at run time: @DOMAIN@, @BARE@, @JID@, @CANARY_FILE@
(a file with a random token), @CANARY_URL@ (our loopback HTTP listener).
"""

import vectors  # conformance/vectors.py: the smuggling vectors are replayed from the server side

FIELDS = ['requires', 'server', 'transport', 'header', 'input', 'check', 'finding']


def client(name, description, source, requires, server, check, finding, input=None, header=None, transport=None):
    return dict(kind='client', name=name, description=description, source=source, requires=requires, server=server,
                check=check, finding=finding, input=input, header=header, transport=transport)


def render(v, lines, protect):
    lines.append('kind: client')
    lines.append('description: ' + v['description'])
    lines.append('source: ' + v['source'])
    lines.append('requires: ' + v['requires'])
    lines.append('server: ' + v['server'])
    if v.get('transport'):
        lines.append('transport: ' + v['transport'])
    if v.get('header'):
        lines.append('header: ' + protect(v['header']))
    if v.get('input'):
        lines.append('input:')
        for part in (v['input'] if isinstance(v['input'], list) else [v['input']]):
            lines.append('  ' + protect(part))
    lines.append('check: ' + v['check'])
    lines.append('finding: ' + v['finding'])
    lines.append('expect: safe')


# ---- TLS ----------------------------------------------------------------------

CERT_RULE = ('refuse the certificate and send nothing over the connection (RFC 6120 13.7.2, RFC 6125 6, '
             'RFC 7590 3.2)')
certs = [
    client('cert-' + name, description, 'RFC 6125 section 6; RFC 6120 section 13.7.2; RFC 7590 section 3.2', CERT_RULE,
           'starttls=required cert=' + name, 'refuses-certificate', 'accepted-bad-certificate')
    for name, description in [
        ('self-signed', 'the server presents a self-signed certificate for the JID domain'),
        ('other-name', 'a certificate from the trusted CA for another domain (other.example)'),
        ('expired', 'a certificate for the JID domain that expired yesterday'),
        ('unknown-ca', 'a certificate for the JID domain from a CA the client does not trust'),
        ('wrong-eku', 'a certificate for the JID domain whose extendedKeyUsage is clientAuth only'),
        ('address-only', 'a certificate for the connect address (127.0.0.1, localhost), not for the JID domain'),
    ]
]

tls = [
    client('no-starttls', 'the server offers no <starttls/>, only SCRAM-SHA-1 and PLAIN in the clear',
           'RFC 7590 section 3.1; RFC 6120 section 5.3.1',
           'not authenticate on a stream without TLS (RFC 7590 3.1: clients MUST use TLS); close instead',
           'starttls=none mechanisms=SCRAM-SHA-1,PLAIN', 'no-auth-without-tls', 'authenticated-without-tls',
           transport='tcp'),
    client('starttls-optional', '<starttls/> offered without <required/>, with mechanisms beside it',
           'RFC 6120 section 5.3.1; RFC 7590 section 3.1',
           'negotiate TLS when it is offered, before any SASL exchange', 'starttls=optional mechanisms=SCRAM-SHA-1,PLAIN',
           'uses-offered-tls', 'skipped-offered-tls', transport='tcp'),
    client('starttls-failure', 'the server answers <starttls/> with <failure/> and then offers PLAIN in the clear',
           'RFC 6120 section 5.4.2.2',
           'treat <failure/> as the end of the stream (the server MUST close it) and never go on without TLS',
           'starttls=fail', 'stops-after-starttls-failure', 'continued-after-starttls-failure', transport='tcp'),
] + certs + [
    client('tls-1.0-only', 'the server speaks only TLS 1.0', 'RFC 8996 section 5; RFC 9325 section 3.1.1',
           'refuse TLS 1.0 and 1.1 (RFC 8996: MUST NOT negotiate them)', 'starttls=required tls=1.0',
           'refuses-weak-tls', 'negotiated-tls-1.0'),
    client('legacy-suites-only', 'TLS 1.2 with only CBC suites without AEAD (ECDHE-ECDSA-AES128-SHA, -AES256-SHA)',
           'RFC 9325 section 4.2',
           'not negotiate suites outside the RFC 9325 recommendation (AEAD with forward secrecy)',
           'starttls=required tls=legacy-suites', 'refuses-weak-tls', 'negotiated-legacy-suite'),
]

# ---- SASL ------------------------------------------------------------------------

SCRAM_ONLY = 'mechanisms=SCRAM-SHA-256,SCRAM-SHA-1'
NO_SUCCESS = ('not consider the exchange successful: verify the server signature v= before accepting <success/> '
              '(RFC 5802 section 5; RFC 6120 section 6.4.6)')
E_VALUES = ['invalid-encoding', 'extensions-not-supported', 'invalid-proof', 'channel-bindings-dont-match',
            'server-does-support-channel-binding', 'channel-binding-not-supported', 'unsupported-channel-binding-type',
            'unknown-user', 'invalid-username-encoding', 'no-resources', 'other-error']

sasl = [
    client('nonce-not-prefixed', "server-first's nonce does not start with the client's nonce",
           'RFC 5802 section 5.1 (r=)', 'abort the exchange: never send client-final (its proof) to such a server',
           'scram=nonce-not-prefixed ' + SCRAM_ONLY, 'no-client-final', 'accepted-foreign-nonce'),
    client('iterations-1', 'server-first asks for i=1', 'RFC 7677 section 4; RFC 5802 section 5.1',
           'refuse an iteration count below 4096 (RFC 7677: SHOULD be at least 4096)',
           'scram=iterations-1 ' + SCRAM_ONLY, 'no-client-final', 'accepted-low-iterations'),
    client('iterations-huge', 'server-first asks for i=2147483647 (2^31-1: hours of PBKDF2)', 'RFC 5802 section 5.1; RFC 7677 section 4',
           'give up on an absurd iteration count instead of spinning (a DoS by the server)',
           'scram=iterations-2147483647 ' + SCRAM_ONLY, 'no-client-final', 'computed-huge-iterations'),
    client('wrong-v-in-success', '<success/> carries a v= of the right length that does not verify',
           'RFC 5802 section 5; RFC 6120 section 6.4.6', NO_SUCCESS, 'scram=bad-v-success ' + SCRAM_ONLY,
           'no-success-without-proof', 'accepted-bad-server-signature'),
    client('wrong-v-in-challenge', 'server-final with a bad v= in a <challenge/>, then an empty <success/>',
           'RFC 5802 section 5; RFC 6120 section 6.4.6', NO_SUCCESS, 'scram=bad-v-challenge ' + SCRAM_ONLY,
           'no-success-without-proof', 'accepted-bad-server-signature'),
    client('success-without-v', 'an empty <success/> after client-final: no server signature at all',
           'RFC 5802 section 5; RFC 6120 section 6.4.6', NO_SUCCESS, 'scram=no-v ' + SCRAM_ONLY,
           'no-success-without-proof', 'accepted-missing-server-signature'),
] + [
    client('server-error-' + e, '<success/> whose server-final is e=' + e, 'RFC 5802 section 7 (server-error)',
           'treat e= as a failed authentication, whatever element carries it', 'scram=e-' + e + ' ' + SCRAM_ONLY,
           'no-success-without-proof', 'accepted-server-error')
    for e in E_VALUES
] + [
    client('plain-only-stripped-starttls', 'STARTTLS stripped from the features, only PLAIN offered',
           'RFC 4616 section 6; RFC 7590 section 3.1; RFC 6120 section 13.8',
           'never send a PLAIN password without TLS', 'starttls=none mechanisms=PLAIN', 'no-plain-cleartext',
           'plain-in-cleartext', transport='tcp'),
    client('digest-md5-only', 'over TLS only DIGEST-MD5 is offered', 'RFC 6331; RFC 6120 section 6.3.3',
           'not use DIGEST-MD5 (historic since RFC 6331)', 'mechanisms=DIGEST-MD5', 'no-weak-mechanism',
           'used-weak-mechanism'),
    client('cram-md5-only', 'over TLS only CRAM-MD5 is offered', 'RFC 6331 section 1; draft-ietf-sasl-crammd5-to-historic',
           'not use CRAM-MD5 (no protection against a hostile server)', 'mechanisms=CRAM-MD5', 'no-weak-mechanism',
           'used-weak-mechanism'),
    client('plus-stripped', 'over TLS the -PLUS mechanisms are stripped: SCRAM-SHA-256 and SCRAM-SHA-1 only',
           'RFC 5802 section 6 (gs2-cbind-flag y); RFC 9266',
           "a client that can bind says so with gs2 flag 'y', so a server that does support binding detects the "
           "stripping", SCRAM_ONLY, 'signals-channel-binding', 'no-channel-binding-signal'),
    client('downgrade-hash-mismatch', "server-first's XEP-0474 h= covers another mechanism list than the one advertised",
           'XEP-0474 section 3', 'a client that implements XEP-0474 aborts before client-final',
           'scram=h-mismatch ' + SCRAM_ONLY, 'no-client-final', 'ignored-downgrade-hash'),
    client('nonce-quality', 'three runs of a plain SCRAM log-in; the client nonces are compared',
           'RFC 5802 section 5.1 (r=: a fresh random nonce)', 'send a different random nonce every time',
           'runs=3 ' + SCRAM_ONLY, 'fresh-nonces', 'repeated-nonce'),
]

# ---- XML from the server -----------------------------------------------------------

ENT = 'XF-ENTITY-EXPANDED'
MSG = "<message xmlns='jabber:client' from='@DOMAIN@' to='@JID@' id='%s'><body>%s</body></message>"
RESTRICTED = ('close the stream with <restricted-xml/> (RFC 6120 11.1) and deliver nothing after the construct')
HEADER = ("<?xml version='1.0'?>%s<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
          "from='@DOMAIN@' id='xf-doctype' version='1.0'>")
LOL = ("<!DOCTYPE stream:stream [<!ENTITY lol0 'lol'>" +
       ''.join("<!ENTITY lol%d '%s'>" % (i, ('&lol%d;' % (i - 1)) * 10) for i in range(1, 10)) + ']>')
QUAD = "<!DOCTYPE stream:stream [<!ENTITY big '%s'>]>" % ('Q' * 20000)

xml = [
    client('comment', 'a comment between stanzas', 'RFC 6120 section 11.1', RESTRICTED, 'scram=normal',
           'closes-on-restricted-xml', 'accepted-comment', input='<!-- a comment from the server -->'),
    client('processing-instruction', 'a processing instruction between stanzas', 'RFC 6120 section 11.1', RESTRICTED,
           'scram=normal', 'closes-on-restricted-xml', 'accepted-processing-instruction',
           input="<?xf-pi some data?>"),
    client('doctype-in-stream', 'a DOCTYPE with an internal entity inside the stream, the entity used next',
           'RFC 6120 section 11.1; XML 1.0 section 2.8 (a DOCTYPE only before the root)', RESTRICTED, 'scram=normal',
           'closes-on-restricted-xml', 'accepted-doctype',
           input="<!DOCTYPE x [<!ENTITY xf '" + ENT + "'>]>" + MSG % ('xf-entity', '&xf;')),
    client('doctype-in-restart-header', 'the stream header after SASL success carries a DOCTYPE with an internal entity',
           'RFC 6120 section 11.1', 'close the stream instead of binding on a stream with a DOCTYPE', 'scram=normal',
           'closes-on-doctype-header', 'accepted-doctype-header',
           header=HEADER % ("<!DOCTYPE stream:stream [<!ENTITY xf '" + ENT + "'>]>")),
    client('internal-entity-expanded', 'the restarted header declares an entity that a later message uses',
           'RFC 6120 section 11.1', 'never expand an entity a server declared', 'scram=normal', 'no-entity-expansion',
           'expanded-internal-entity', header=HEADER % ("<!DOCTYPE stream:stream [<!ENTITY xf '" + ENT + "'>]>"),
           input=MSG % ('xf-entity', '&xf;')),
    client('external-entity-file', 'an external entity pointing at a local file (a canary with a random token)',
           'RFC 6120 section 11.1; CWE-611 (XXE)', 'never resolve an external entity', 'scram=normal',
           'no-external-entities', 'read-external-file',
           header=HEADER % "<!DOCTYPE stream:stream [<!ENTITY xxe SYSTEM 'file://@CANARY_FILE@'>]>",
           input=MSG % ('xf-xxe', '&xxe;')),
    client('external-entity-http', 'an external entity pointing at our loopback HTTP listener',
           'RFC 6120 section 11.1; CWE-611 (XXE)', 'never fetch an external entity', 'scram=normal',
           'no-external-entities', 'fetched-external-entity',
           header=HEADER % "<!DOCTYPE stream:stream [<!ENTITY xxe SYSTEM '@CANARY_URL@'>]>",
           input=MSG % ('xf-xxe', '&xxe;')),
    client('billion-laughs', 'ten levels of ten entity references (10^9 "lol"s) in the restarted header',
           'RFC 6120 section 11.1; CVE-2003-1564 (billion laughs)',
           'refuse the DOCTYPE; never expand it (time and memory)', 'scram=normal', 'no-entity-expansion',
           'expanded-entity-bomb', header=HEADER % LOL, input=MSG % ('xf-lol', '&lol9;')),
    client('quadratic-blowup', 'one 20000-byte entity referenced 20000 times (400 MB)',
           'RFC 6120 section 11.1; the quadratic blowup attack', 'refuse the DOCTYPE; never expand it',
           'scram=normal', 'no-entity-expansion', 'expanded-entity-bomb', header=HEADER % QUAD,
           input=MSG % ('xf-quad', '\\repeat{20000}{&big;}')),
    client('invalid-utf8', 'a message body with an overlong UTF-8 sequence (C0 AF)', 'RFC 6120 section 11.6; RFC 3629 section 3',
           'close the stream (not-well-formed / unsupported-encoding) and deliver nothing after it', 'scram=normal',
           'closes-on-restricted-xml', 'accepted-invalid-utf8', input=MSG % ('xf-utf8', '\\xC0\\xAF')),
    client('depth-flood', 'a message nested 100000 elements deep', 'RFC 6120 section 13.12 (resource exhaustion)',
           'survive: refuse or bound the depth without crashing, spinning or growing', 'scram=normal', 'survives',
           'exhausted', input="<message xmlns='jabber:client'>\\repeat{100000}{<a>}"),
    client('attribute-flood', 'one element with 200000 copies of one attribute (a duplicate a parser must refuse; a lax one keeps them all)', 'RFC 6120 section 13.12 (resource exhaustion)',
           'survive: refuse or bound the attributes without crashing, spinning or growing', 'scram=normal',
           'survives', 'exhausted', input="<message xmlns='jabber:client' \\repeat{200000}{a\\x20='b' }/>"),
    client('size-flood', 'an 8 MiB message body', 'RFC 6120 section 13.12 (resource exhaustion)',
           'survive: refuse or bound the stanza size without crashing or growing', 'scram=normal', 'survives',
           'exhausted', input="<message xmlns='jabber:client' from='@DOMAIN@'><body>\\repeat{8388608}{x}</body></message>"),
]

# The smuggling vectors of the conformance suite, sent by the server: what
# the client delivers is compared with what the reference parser (client
# side) reads from the same bytes.
SMUGGLE_RULE = 'deliver exactly the stanzas a conforming parser reads from these bytes, no more'
for v in vectors.smuggle_utf8 + vectors.smuggle_markup:
    xml.append(client('smuggling-' + v['name'], v['description'] + ' (sent by the server)',
                      v['source'] + '; README "Hostile server" (reference comparison)', SMUGGLE_RULE, 'scram=normal',
                      'no-smuggling', 'smuggled-stanza', input=''.join(v['input'])))

# ---- origin --------------------------------------------------------------------------

origin = [
    client('roster-push-from-other-jid', 'a roster push from mallory@xmppfuzz.test/evil adding mallory@evil.example',
           'RFC 6121 section 2.1.6; CVE-2015-8688 family (roster push spoofing)',
           "ignore a roster push whose from is neither absent nor the account's bare JID", 'origin=roster-push',
           'ignores-roster-push', 'accepted-foreign-roster-push'),
    client('carbon-from-other-jid', 'a XEP-0280 received carbon sent by mallory@xmppfuzz.test, not by the account',
           'XEP-0280 section 11; CVE-2017-5589 family', "ignore a carbon whose from is not the account's bare JID",
           'origin=carbon', 'ignores-forged-carbon', 'accepted-forged-carbon'),
    client('iq-result-from-other-jid', 'the result to the disco#info request to the server comes from mallory@xmppfuzz.test/evil',
           'RFC 6120 section 8.2.3 (id and to/from); CVE-2017-5589 family',
           'match a result to its request by id and by the JID the request went to', 'origin=iq-result',
           'ignores-spoofed-iq-result', 'accepted-spoofed-iq-result'),
]

SUITE = {
    'client-tls': {'tls': ('Hostile server: STARTTLS, certificates and TLS policy as a client must treat them.', tls)},
    'client-sasl': {'sasl': ('Hostile server: SCRAM and mechanism tampering.', sasl)},
    'client-xml': {'xml': ('Hostile server: restricted XML, entities, smuggling and floods sent to the client.', xml)},
    'client-origin': {'origin': ('Hostile server: stanzas from JIDs that may not send them.', origin)},
}
