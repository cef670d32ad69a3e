"""Definitions of the SASL exchange vectors (kind: sasl; see README.md,
"SASL vectors").

conformance/generate-vectors writes these to conformance/vectors/sasl-*/.
Payloads use the .vec input escapes plus the {placeholders} the runner
expands; strings are raw so r'\\x00' is the escape, not a Python byte.

Roles: 'server' vectors list what a client sends (auth, response, abort)
and what a conforming server must answer (challenge, success); our server
receives the former and must produce the latter. 'client' vectors are the
mirror image. A failure vector ends with the message the side under test
must refuse, and names the RFC 6120 condition (server role), the RFC 5802
e= value where the RFC pins one, and in check: the sasl::Error our
implementation reports (in-process only).
"""

# ---------------------------------------------------------------------------
# Values

USER, PASSWORD = 'user', 'pencil'
SALT, ITER = 'QSXCR+Q6sek8bf92', 4096  # RFC 5802 section 5
CNONCE = 'rOprNGfwEbeRWgbNEkqO'         # RFC 7677 section 3 client nonce
SNONCE = '3rfcNHYJY1ZVvWVs7j'           # RFC 5802 section 5 server nonce part
EXPORTER = '1f2e3d4c5b6a79880123456789abcdeffedcba98765432100f1e2d3c4b5a6978'  # 32 bytes (RFC 9266)
END_POINT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'  # a SHA-256 cert hash (RFC 5929)
UNIQUE = '0102030405060708090a0b0c'                                          # a 12-byte Finished (RFC 5929)

R5802 = 'RFC 5802 section 7'
R5802_5 = 'RFC 5802 section 5'
R5802_51 = 'RFC 5802 section 5.1'
R5802_6 = 'RFC 5802 section 6'
R7677 = 'RFC 7677 section 3'
R4616 = 'RFC 4616 section 2'
R4013 = 'RFC 4013 (SASLprep)'
R4648 = 'RFC 4648 section 4'
R6120 = 'RFC 6120 section 6.4'
R6120_PLAIN = 'RFC 6120 section 13.8; RFC 4616 section 6'
X0474 = 'XEP-0474 (0.5.0)'
X0440 = 'XEP-0440'
R9266 = 'RFC 9266'
R5929 = 'RFC 5929 section 4'

# The standard exchanges, written with placeholders.
FIRST = 'auth %s: n,,n=user,r={client-nonce}'
SFIRST = 'challenge: r={nonce},s={salt},i={iterations}'
FINAL = 'response: c=biws,r={nonce},p={proof}'
SFINAL = 'success: v={server-signature}'


def vec(name, description, source, role, exchange, expect='success', check=None, **fields):
    v = dict(kind='sasl', name=name, description=description, source=source, role=role,
             exchange=list(exchange), expect=expect)
    if check:
        v['check'] = check
    v.update(fields)
    v.setdefault('user', USER)
    v.setdefault('password', PASSWORD)
    v.setdefault('salt', SALT)
    v.setdefault('iterations', ITER)
    if role == 'server':
        v.setdefault('client-nonce', CNONCE)
    else:
        v.setdefault('server-nonce', SNONCE)
    return v


def srv(name, description, source, exchange, expect='success', check=None, **fields):
    return vec(name, description, source, 'server', exchange, expect, check, **fields)


def cli(name, description, source, exchange, expect='success', check=None, mechanism='SCRAM-SHA-256', **fields):
    if mechanism:
        fields['mechanism'] = mechanism
    return vec(name, description, source, 'client', exchange, expect, check, **fields)


def full(mech='SCRAM-SHA-256'):
    return [FIRST % mech, SFIRST, FINAL, SFINAL]


# Server role: a client-first our server must refuse (no challenge follows).
def bad_first(name, description, payload, check, condition='malformed-request', e=None, source=R5802,
              mech='SCRAM-SHA-256', **fields):
    expect = 'failure ' + condition + (' e=' + e if e else '')
    return srv(name, description, source, ['auth %s: %s' % (mech, payload)], expect, check, **fields)


# Server role: a client-final our server must refuse.
def bad_final(name, description, payload, check, condition='malformed-request', e=None, source=R5802,
              mech='SCRAM-SHA-256', **fields):
    expect = 'failure ' + condition + (' e=' + e if e else '')
    return srv(name, description, source, [FIRST % mech, SFIRST, 'response: ' + payload], expect, check, **fields)


# Client role: a server-first our client must refuse.
def bad_sfirst(name, description, payload, check, source=R5802, e=None, **fields):
    return cli(name, description, source, [FIRST % 'SCRAM-SHA-256', 'challenge: ' + payload, 'abort'],
               'failure' + (' e=' + e if e else ''), check, **fields)


# Client role: a server-final our client must refuse.
def bad_sfinal(name, description, line, check, source=R5802, e=None, **fields):
    return cli(name, description, source, [FIRST % 'SCRAM-SHA-256', SFIRST, FINAL, line, 'abort'],
               'failure' + (' e=' + e if e else ''), check, **fields)


# ---------------------------------------------------------------------------
# sasl-examples: the RFC and XEP example exchanges, byte for byte

R5802_FIRST = 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'
R5802_SFIRST = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'
R5802_FINAL = 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts='
R5802_SFINAL = 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ='
R5802_EX = ['auth SCRAM-SHA-1: ' + R5802_FIRST, 'challenge: ' + R5802_SFIRST, 'response: ' + R5802_FINAL,
            'success: ' + R5802_SFINAL]
R5802_FIXED = {'client-nonce': 'fyko+d2lbbFgONRv9qkxdawL', 'server-nonce': '3rfcNHYJY1ZVvWVs7j'}

R7677_SNONCE = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0'
R7677_EX = ['auth SCRAM-SHA-256: n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
            'challenge: r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
            'response: c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,'
            'p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
            'success: v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=']
R7677_FIXED = {'client-nonce': 'rOprNGfwEbeRWgbNEkqO', 'server-nonce': R7677_SNONCE, 'salt': 'W22ZaJ0SNY7soEsUEjb6gQ=='}

X0474_CN = '12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6'
X0474_SN = 'a09117a6-ac50-4f2f-93f1-93799c2bddf6'
X0474_CB = '544849532049532046414b452043422044415441'  # "THIS IS FAKE CB DATA"
X0474_EX = ['auth SCRAM-SHA-1-PLUS: p=tls-exporter,,n=user,r=' + X0474_CN,
            'challenge: r=' + X0474_CN + X0474_SN + ',s=QSXCR+Q6sek8bf92,i=4096,h=G6k/rBLDqgOhRRaCuuatSDFkJ08=',
            'response: c=cD10bHMtZXhwb3J0ZXIsLFRISVMgSVMgRkFLRSBDQiBEQVRB,r=' + X0474_CN + X0474_SN +
            ',x=19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3,p=M/SIDjT+dfcxUh89jZEypRvFxB4=',
            'success: v=MQrMPvv7yv4x4Cq4W4Ih25EqS2c=']
X0474_FIELDS = {'client-nonce': X0474_CN, 'server-nonce': X0474_SN, 'offered': 'SCRAM-SHA-1 SCRAM-SHA-1-PLUS',
                'cb-types': 'tls-server-end-point tls-exporter', 'bindings': ['tls-exporter ' + X0474_CB],
                'tls': 'yes'}

examples = [
    srv('rfc5802-sha1-server', 'the RFC 5802 section 5 SCRAM-SHA-1 exchange: our server reproduces it byte for byte',
        R5802_5, R5802_EX, **R5802_FIXED),
    cli('rfc5802-sha1-client', 'the RFC 5802 section 5 SCRAM-SHA-1 exchange: our client reproduces it byte for byte',
        R5802_5, R5802_EX, mechanism='SCRAM-SHA-1', **R5802_FIXED),
    srv('rfc7677-sha256-server', 'the RFC 7677 section 3 SCRAM-SHA-256 exchange: our server reproduces it byte for byte',
        R7677, R7677_EX, **R7677_FIXED),
    cli('rfc7677-sha256-client', 'the RFC 7677 section 3 SCRAM-SHA-256 exchange: our client reproduces it byte for byte',
        R7677, R7677_EX, **R7677_FIXED),
    srv('xep0474-example-server', 'the XEP-0474 example (SCRAM-SHA-1-PLUS, tls-exporter, h=): our server reproduces it',
        X0474 + ' section 4; XEP-0440', X0474_EX, policy='xep-0474', **X0474_FIELDS),
    cli('xep0474-example-client', 'the XEP-0474 example: our client reproduces it and verifies h=',
        X0474 + ' section 4; XEP-0440', X0474_EX, mechanism='SCRAM-SHA-1-PLUS', extensions=',x=19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3',
        downgrade_status='verified', **X0474_FIELDS),
    srv('sha1-placeholders-server', 'a SCRAM-SHA-1 exchange written with placeholders (replayable against any server)',
        R5802_5, full('SCRAM-SHA-1')),
    srv('sha256-placeholders-server', 'a SCRAM-SHA-256 exchange written with placeholders', R7677, full()),
    srv('sha512-placeholders-server', 'a SCRAM-SHA-512 exchange written with placeholders',
        'RFC 5802 section 5; IANA SCRAM-SHA-512 registration', full('SCRAM-SHA-512')),
    cli('sha1-placeholders-client', 'our client in a SCRAM-SHA-1 exchange with a random client nonce', R5802_5,
        full('SCRAM-SHA-1'), mechanism='SCRAM-SHA-1'),
    cli('sha256-placeholders-client', 'our client in a SCRAM-SHA-256 exchange with a random client nonce', R7677, full()),
    cli('sha512-placeholders-client', 'our client in a SCRAM-SHA-512 exchange with a random client nonce',
        'RFC 5802 section 5; IANA SCRAM-SHA-512 registration', full('SCRAM-SHA-512'), mechanism='SCRAM-SHA-512'),
]

# ---------------------------------------------------------------------------
# sasl-scram-grammar: every RFC 5802 section 7 rule broken once

N = '{client-nonce}'
grammar = [
    # client-first-message, as our server reads it
    srv('client-first-empty', 'an empty client-first message (<auth> carrying "=")', R5802,
        ['auth SCRAM-SHA-256:'], 'failure malformed-request', 'empty-message'),
    bad_first('gs2-flag-unknown', "gs2-cbind-flag 'x' (only n, y and p= exist)", 'x,,n=user,r=' + N, 'bad-gs2-header'),
    bad_first('gs2-flag-missing', 'no gs2 header at all: the message starts with n=', 'n=user,r=' + N, 'bad-gs2-header'),
    bad_first('gs2-flag-uppercase', "gs2-cbind-flag 'N'", 'N,,n=user,r=' + N, 'bad-gs2-header'),
    bad_first('gs2-one-comma', 'the gs2 header has one comma (no authzid field)', 'n,n=user,r=' + N, 'bad-gs2-header'),
    bad_first('gs2-p-without-name', "'p' without '=cb-name'", 'p,,n=user,r=' + N, 'bad-gs2-header',
              mech='SCRAM-SHA-256-PLUS', offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', bindings=['tls-exporter ' + EXPORTER], tls='yes'),
    bad_first('gs2-cb-name-empty', "'p=' with an empty cb-name", 'p=,,n=user,r=' + N, 'bad-cb-name',
              mech='SCRAM-SHA-256-PLUS', offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', bindings=['tls-exporter ' + EXPORTER], tls='yes'),
    bad_first('gs2-cb-name-bad-char', "a cb-name with '_' (cb-name is ALPHA / DIGIT / '.' / '-')",
              'p=tls_exporter,,n=user,r=' + N, 'bad-cb-name', mech='SCRAM-SHA-256-PLUS',
              offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', bindings=['tls-exporter ' + EXPORTER], tls='yes'),
    bad_first('authzid-no-equals', "an authzid field 'a' without '='", 'n,a,n=user,r=' + N, 'bad-gs2-header'),
    bad_first('authzid-empty', "'a=' with an empty saslname", 'n,a=,n=user,r=' + N, 'bad-authzid',
              condition='invalid-authzid'),
    bad_first('authzid-bad-escape', "'=41' in the authzid (only =2C and =3D are escapes)", 'n,a=adm=41n,n=user,r=' + N,
              'bad-authzid', condition='invalid-authzid', e='invalid-username-encoding',
              source=R5802_51 + '; RFC 6120 section 6.5.6'),
    bad_first('username-missing', 'no n= attribute', 'n,,r=' + N, 'missing-attribute'),
    bad_first('username-empty', "'n=' with an empty saslname", 'n,,n=,r=' + N, 'saslname-empty',
              e='invalid-username-encoding'),
    bad_first('username-bad-escape', "'=2X' in the user name", 'n,,n=us=2Xer,r=' + N, 'saslname-bad-escape',
              e='invalid-username-encoding', source=R5802_51),
    bad_first('username-escape-lowercase', "'=2c' (the escapes are upper case: =2C, =3D)", 'n,,n=us=2cer,r=' + N,
              'saslname-bad-escape', e='invalid-username-encoding', source=R5802_51),
    bad_first('username-trailing-equals', "a lone '=' at the end of the user name", 'n,,n=user=,r=' + N,
              'saslname-bad-escape', e='invalid-username-encoding', source=R5802_51),
    bad_first('username-invalid-utf8', 'a user name with the byte FF (not UTF-8)', r'n,,n=us\xFFer,r=' + N, 'bad-utf8',
              e='invalid-username-encoding', source=R5802_51 + '; RFC 5802 section 7 (invalid-username-encoding)'),
    bad_first('username-saslprep-prohibited', 'a user name with U+0007 (SASLprep prohibits ASCII controls)',
              r'n,,n=us\x07er,r=' + N, 'saslprep-prohibited', e='invalid-username-encoding', source=R4013 + ' section 2.3'),
    bad_first('username-saslprep-bidi', 'a user name mixing right-to-left and left-to-right characters (RFC 3454 section 6)',
              r'n,,n=\u{5D0}a,r=' + N, 'saslprep-prohibited', e='invalid-username-encoding', source=R4013 + ' section 2.4'),
    bad_first('nonce-missing', 'no r= attribute', 'n,,n=user', 'missing-attribute'),
    bad_first('nonce-empty', "'r=' with an empty nonce", 'n,,n=user,r=', 'bad-nonce'),
    bad_first('nonce-with-space', 'a nonce with a space (printable is 0x21-0x7E without the comma)', 'n,,n=user,r=abc def',
              'bad-nonce'),
    bad_first('nonce-with-del', 'a nonce with 0x7F', r'n,,n=user,r=abc\x7Fdef', 'bad-nonce'),
    bad_first('nonce-non-ascii', 'a nonce with U+00E9', r'n,,n=user,r=abc\u{E9}', 'bad-nonce'),
    bad_first('attributes-reordered', 'r= before n=', 'n,,r=' + N + ',n=user', 'missing-attribute'),
    bad_first('attribute-name-uppercase', "'N=' for 'n=' (attribute names are case-sensitive)", 'n,,N=user,r=' + N,
              'missing-attribute'),
    bad_first('mandatory-extension-client-first', "a reserved 'm=' extension: the server must fail the exchange",
              'n,,m=ext,n=user,r=' + N, 'mandatory-extension', e='extensions-not-supported'),
    bad_first('extension-not-attr-val', "an extension that is not 'x=value'", 'n,,n=user,r=' + N + ',junk',
              'bad-extension'),
    bad_first('client-first-trailing-comma', 'a comma after the last attribute', 'n,,n=user,r=' + N + ',',
              'bad-extension'),
    srv('client-first-extension-tolerated', 'an x= extension after the nonce: the grammar allows it and the exchange succeeds',
        R5802, ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce},x=future', SFIRST, FINAL, SFINAL]),
    # client-final-message, as our server reads it
    srv('client-final-empty', 'an empty client-final message (<response> carrying "=")', R5802,
        [FIRST % 'SCRAM-SHA-256', SFIRST, 'response:'], 'failure malformed-request', 'empty-message'),
    bad_final('channel-binding-missing', 'no c= attribute', 'r={nonce},p={proof}', 'missing-attribute'),
    bad_final('channel-binding-bad-base64', "c= that is not base64", 'c=biws!,r={nonce},p={proof}', 'bad-channel-binding',
              condition='incorrect-encoding', e='invalid-encoding'),
    bad_final('final-nonce-missing', 'no r= attribute in client-final', 'c=biws,p={proof}', 'missing-attribute'),
    bad_final('proof-missing', 'no p= attribute', 'c=biws,r={nonce}', 'missing-attribute'),
    bad_final('proof-bad-base64', "p= that is not base64", 'c=biws,r={nonce},p=!!!!', 'bad-proof',
              condition='incorrect-encoding', e='invalid-encoding'),
    bad_final('proof-truncated', 'p= one byte shorter than the hash', 'c=biws,r={nonce},p={proof:truncated}', 'bad-proof',
              condition='incorrect-encoding'),
    bad_final('proof-not-last', 'an attribute after p= (proof must come last)', 'c=biws,r={nonce},p={proof},x=1',
              'bad-extension'),
    bad_final('final-attributes-reordered', 'r= before c=', 'r={nonce},c=biws,p={proof}', 'missing-attribute'),
    bad_final('final-extension-not-attr-val', "an extension in client-final that is not 'x=value'",
              'c=biws,r={nonce},junk,p={proof}', 'bad-extension'),
    srv('client-final-extension-tolerated', 'an x= extension before the proof: the grammar allows it', R5802,
        [FIRST % 'SCRAM-SHA-256', SFIRST, 'response: c=biws,r={nonce},x=future,p={proof}', SFINAL]),
    # server-first-message, as our client reads it
    srv('client-first-unescaped-comma', "a raw ',' ends n= early: 'n=us,er' leaves 'er' where r= belongs", R5802_51,
        ['auth SCRAM-SHA-256: n,,n=us,er,r={client-nonce}'], 'failure malformed-request', 'missing-attribute'),
    cli('server-first-empty', 'an empty server-first message (<challenge> carrying "=")', R5802,
        [FIRST % 'SCRAM-SHA-256', 'challenge:', 'abort'], 'failure', 'empty-message'),
    bad_sfirst('server-nonce-missing', 'no r= attribute', 's={salt},i={iterations}', 'missing-attribute'),
    bad_sfirst('server-nonce-bad-char', 'a server nonce with a space', 'r={nonce}\\x20x,s={salt},i={iterations}',
               'bad-nonce'),
    bad_sfirst('salt-missing', 'no s= attribute', 'r={nonce},i={iterations}', 'missing-attribute'),
    bad_sfirst('salt-empty', "'s=' with an empty salt", 'r={nonce},s=,i={iterations}', 'bad-salt'),
    bad_sfirst('salt-bad-base64', "s= that is not base64", 'r={nonce},s=QSXCR+Q6sek8bf9,i={iterations}', 'bad-salt'),
    bad_sfirst('iterations-missing', 'no i= attribute', 'r={nonce},s={salt}', 'missing-attribute'),
    bad_sfirst('iterations-zero', 'i=0 (posit-number starts with 1-9)', 'r={nonce},s={salt},i=0', 'bad-iteration-count'),
    bad_sfirst('iterations-negative', 'i=-4096', 'r={nonce},s={salt},i=-4096', 'bad-iteration-count'),
    bad_sfirst('iterations-leading-zero', 'i=04096 (posit-number has no leading zero)', 'r={nonce},s={salt},i=04096',
               'bad-iteration-count'),
    bad_sfirst('iterations-not-digits', 'i=4k', 'r={nonce},s={salt},i=4k', 'bad-iteration-count'),
    bad_sfirst('iterations-empty', "'i=' with no digits", 'r={nonce},s={salt},i=', 'bad-iteration-count'),
    bad_sfirst('iterations-overflow', 'i=4294967296 (does not fit 32 bits)', 'r={nonce},s={salt},i=4294967296',
               'bad-iteration-count'),
    bad_sfirst('server-first-reordered', 's= before r=', 's={salt},r={nonce},i={iterations}', 'missing-attribute'),
    bad_sfirst('mandatory-extension-server-first', "a reserved 'm=' extension in server-first",
               'm=ext,r={nonce},s={salt},i={iterations}', 'mandatory-extension'),
    bad_sfirst('server-first-trailing-comma', 'a comma after i=', 'r={nonce},s={salt},i={iterations},', 'bad-extension'),
    cli('server-first-extension-tolerated', 'an x= extension after i=: the grammar allows it', R5802,
        [FIRST % 'SCRAM-SHA-256', 'challenge: r={nonce},s={salt},i={iterations},x=future', FINAL, SFINAL]),
    # server-final-message, as our client reads it
    bad_sfinal('server-signature-bad-base64', "v= that is not base64", 'success: v=!!!!', 'bad-server-signature'),
    bad_sfinal('server-signature-truncated', 'v= one byte shorter than the hash', 'success: v={server-signature:truncated}',
               'bad-server-signature'),
    bad_sfinal('server-final-neither-v-nor-e', 'a server-final with neither v= nor e=', 'success: x=1',
               'missing-attribute'),
    bad_sfinal('server-error-empty', "'e=' with no value", 'challenge: e=', 'bad-server-error'),
    cli('server-final-extension-tolerated', 'an extension after v= (server-final allows extensions)', R5802,
        [FIRST % 'SCRAM-SHA-256', SFIRST, FINAL, 'success: v={server-signature},x=future']),
]

# ---------------------------------------------------------------------------
# sasl-scram-server: the checks a server makes

server = [
    bad_final('proof-wrong', 'a proof with one bit flipped', 'c=biws,r={nonce},p={proof:flip-bit}', 'proof-mismatch',
              condition='not-authorized', e='invalid-proof', source=R5802_5 + ' (server verifies ClientProof)'),
    srv('proof-wrong-password', 'the client derived its proof from another password', R5802_5,
        [FIRST % 'SCRAM-SHA-256', SFIRST, FINAL], 'failure not-authorized e=invalid-proof', 'proof-mismatch',
        **{'peer-password': 'pencil2'}),
    srv('proof-wrong-password-sha1', 'SCRAM-SHA-1 with a proof from another password', R5802_5,
        [FIRST % 'SCRAM-SHA-1', SFIRST, FINAL], 'failure not-authorized e=invalid-proof', 'proof-mismatch',
        **{'peer-password': 'Pencil'}),
    srv('proof-wrong-password-sha512', 'SCRAM-SHA-512 with a proof from another password', R5802_5,
        [FIRST % 'SCRAM-SHA-512', SFIRST, FINAL], 'failure not-authorized e=invalid-proof', 'proof-mismatch',
        **{'peer-password': 'pencil '}),
    bad_final('nonce-changed', 'client-final carries a nonce the server never issued', 'c=biws,r={client-nonce}forged,p={proof}',
              'nonce-mismatch', condition='not-authorized', source=R5802_51 + ' (r= in client-final)'),
    bad_final('nonce-client-part-only', "client-final's nonce is only the client's part", 'c=biws,r={client-nonce},p={proof}',
              'nonce-mismatch', condition='not-authorized', source=R5802_51),
    bad_final('nonce-extended-further', "client-final's nonce adds bytes after the server's", 'c=biws,r={nonce}x,p={proof}',
              'nonce-mismatch', condition='not-authorized', source=R5802_51),
    srv('unknown-user', 'a user the server does not know: refused at client-final, after a plausible server-first',
        R5802 + ' (unknown-user); RFC 5802 section 9',
        ['auth SCRAM-SHA-256: n,,n=nobody,r={client-nonce}', 'challenge: r={nonce},s={any},i={any}', FINAL],
        'failure not-authorized e=unknown-user', 'unknown-user'),
    srv('username-escaped', "a user name with ',' and '=' written as =2C and =3D", R5802_51,
        ['auth SCRAM-SHA-256: n,,n=a=2Cb=3Dc,r={client-nonce}', SFIRST, FINAL, SFINAL], user='a,b=c'),
    srv('username-saslprep-mapped', 'U+00AD (soft hyphen) in the user name maps to nothing: I\u00adX is IX', R4013 + ' section 3',
        [r'auth SCRAM-SHA-256: n,,n=I\u{AD}X,r={client-nonce}', SFIRST, FINAL, SFINAL], user='IX'),
    srv('password-non-ascii', 'a password with U+00E9, SASLprep applied on both sides', R4013,
        full(), password=r'p\u{E9}ncil'),
    srv('authzid-allowed', 'a= naming an identity the user may act as', R5802_51 + '; RFC 6120 section 6.3.8',
        ['auth SCRAM-SHA-256: n,a=admin,n=user,r={client-nonce}', SFIRST, 'response: c={cbind-data},r={nonce},p={proof}',
         SFINAL], authzid='admin'),
    srv('authzid-refused', 'a= naming an identity the user may not act as: refused once the proof is checked',
        'RFC 6120 section 6.5.6; ' + R5802_51,
        ['auth SCRAM-SHA-256: n,a=root,n=user,r={client-nonce}', SFIRST, 'response: c={cbind-data},r={nonce},p={proof}'],
        'failure invalid-authzid', 'authzid-refused', authzid='admin'),
    srv('no-initial-response', '<auth/> without data: the server sends an empty challenge, then reads client-first',
        'RFC 6120 section 6.4.2',
        ['auth SCRAM-SHA-256', 'challenge:', 'response: n,,n=user,r={client-nonce}', SFIRST, FINAL, SFINAL]),
    srv('abort-after-server-first', 'the client sends <abort/> after server-first', 'RFC 6120 section 6.4.4',
        [FIRST % 'SCRAM-SHA-256', SFIRST, 'abort'], 'failure aborted', 'aborted'),
    srv('abort-before-start', 'the client sends <abort/> before any <auth/>', 'RFC 6120 section 6.4.4',
        ['abort'], 'failure aborted', 'aborted'),
    srv('client-first-oversize', 'a 5000-byte nonce (over the 4096-byte message limit)', R5802 + '; RFC 6120 section 13.12',
        [r'auth SCRAM-SHA-256: n,,n=user,r=\repeat{5000}{a}'], 'failure malformed-request', 'message-too-long'),
    srv('client-final-oversize', 'a 5000-byte extension in client-final', R5802 + '; RFC 6120 section 13.12',
        [FIRST % 'SCRAM-SHA-256', SFIRST, r'response: c=biws,r={nonce},x=\repeat{5000}{a},p={proof}'],
        'failure malformed-request', 'message-too-long'),
    srv('auth-bad-base64-char', "the <auth/> text has a '!' (outside the base64 alphabet)", R6120 + '.2; ' + R4648,
        ['auth SCRAM-SHA-256 base64: biwsbj11c2VyLHI9YWJj!'], 'failure incorrect-encoding', 'base64-bad-char'),
    srv('auth-base64-whitespace', 'the <auth/> text has a space inside (RFC 6120 forbids whitespace in base64)',
        'RFC 6120 section 6.4.2; ' + R4648, [r'auth SCRAM-SHA-256 base64: biwsbj11c2VyLHI9\x20YWJj'],
        'failure incorrect-encoding', 'base64-bad-char'),
    srv('auth-base64-length', 'the <auth/> text is not a multiple of 4 characters', R6120 + '.2; ' + R4648,
        ['auth SCRAM-SHA-256 base64: biwsbj11c2VyLHI9YWJ'], 'failure incorrect-encoding', 'base64-length'),
    srv('auth-base64-padding-inside', "'=' in the middle of the <auth/> text", R6120 + '.2; ' + R4648,
        ['auth SCRAM-SHA-256 base64: biws=j11c2VyLHI9YWJj'], 'failure incorrect-encoding', 'base64-bad-padding'),
    srv('auth-base64-non-canonical', 'padding bits set: "bh==" (canonical is "bg==")', 'RFC 4648 section 3.5',
        ['auth SCRAM-SHA-256 base64: bh=='], 'failure incorrect-encoding', 'base64-non-canonical'),
    srv('response-bad-base64', "the <response/> text has a '*'", R6120 + '.3; ' + R4648,
        [FIRST % 'SCRAM-SHA-256', SFIRST, 'response base64: Yz1iaXdz*'], 'failure incorrect-encoding', 'base64-bad-char'),
]

# ---------------------------------------------------------------------------
# sasl-scram-client: the checks a client makes

E_VALUES = ['invalid-encoding', 'extensions-not-supported', 'invalid-proof', 'channel-bindings-dont-match',
            'server-does-support-channel-binding', 'channel-binding-not-supported', 'unsupported-channel-binding-type',
            'unknown-user', 'invalid-username-encoding', 'no-resources', 'other-error']

client = [
    bad_sfirst('nonce-not-extended', "the server's nonce is exactly the client's (adds nothing)",
               'r={client-nonce},s={salt},i={iterations}', 'nonce-not-extended', source=R5802_51),
    bad_sfirst('nonce-not-prefixed', "the server's nonce does not start with the client's",
               'r=x{client-nonce}{server-nonce},s={salt},i={iterations}', 'nonce-not-prefixed', source=R5802_51),
    bad_sfirst('nonce-replaced', "the server sends a nonce of its own, ignoring the client's",
               'r={server-nonce},s={salt},i={iterations}', 'nonce-not-prefixed', source=R5802_51),
    bad_sfirst('iterations-one', 'i=1 (below the 4096 floor)', 'r={nonce},s={salt},i=1', 'iterations-too-low',
               source=R7677 + ' (4096 minimum); RFC 5802 section 5.1'),
    bad_sfirst('iterations-below-floor', 'i=4095, one below the floor', 'r={nonce},s={salt},i=4095', 'iterations-too-low',
               source=R7677),
    bad_sfirst('iterations-above-default-cap', 'i=600001, one above the default ceiling (a DoS cap)',
               'r={nonce},s={salt},i=600001', 'iterations-too-high', source=R5802 + ' section 9 (denial of service)'),
    bad_sfirst('iterations-huge', 'i=4294967295 (the largest posit-number that fits)', 'r={nonce},s={salt},i=4294967295',
               'iterations-too-high', source=R5802 + ' section 9'),
    bad_sfirst('iterations-above-configured-cap', 'i=10001 with the ceiling configured to 10000',
               'r={nonce},s={salt},i=10001', 'iterations-too-high', source=R5802 + ' section 9', policy='max-iterations=10000'),
    cli('iterations-at-configured-cap', 'i=10000 with the ceiling configured to 10000: accepted', R5802 + ' section 9',
        [FIRST % 'SCRAM-SHA-256', SFIRST, FINAL, SFINAL], iterations=10000, policy='max-iterations=10000'),
    bad_sfinal('server-signature-wrong', 'v= with one bit flipped', 'success: v={server-signature:flip-bit}',
               'server-signature-mismatch', source=R5802_5 + ' (client verifies ServerSignature)'),
    cli('server-signature-wrong-password', 'a server that does not know the password (its signature uses another)',
        R5802_5 + '; RFC 5802 section 9 (mutual authentication)',
        [FIRST % 'SCRAM-SHA-256', SFIRST, FINAL, SFINAL, 'abort'], 'failure', 'server-signature-mismatch',
        **{'peer-password': 'guess'}),
    bad_sfinal('success-without-data', '<success/> with no additional data: no v= to verify', 'success',
               'missing-server-signature', source='RFC 6120 section 6.3.10; ' + R5802_5),
    bad_sfinal('success-with-empty-data', '<success>=</success>: empty additional data, no v=', 'success:',
               'missing-server-signature', source='RFC 6120 section 6.3.10; ' + R5802_5),
    cli('server-final-in-challenge', 'v= in a <challenge/>, then <success/> with no data (RFC 6120 6.3.10 allows it)',
        'RFC 6120 section 6.3.10', [FIRST % 'SCRAM-SHA-256', SFIRST, FINAL, 'challenge: v={server-signature}', 'response:',
                                    'success']),
    cli('failure-after-client-final', '<failure><not-authorized/></failure> after client-final', 'RFC 6120 section 6.4.5',
        [FIRST % 'SCRAM-SHA-256', SFIRST, FINAL, 'failure not-authorized'], 'failure', 'aborted'),
    bad_sfirst('server-first-oversize', 'a 5000-byte server nonce', 'r={nonce}\\repeat{5000}{a},s={salt},i={iterations}',
               'message-too-long', source=R5802 + '; RFC 6120 section 13.12'),
    cli('challenge-bad-base64', "the <challenge/> text has a '!'", 'RFC 6120 section 6.4.3; ' + R4648,
        [FIRST % 'SCRAM-SHA-256', 'challenge base64: cj1hYmM!', 'abort'], 'failure', 'base64-bad-char'),
    cli('username-escaped', "our client writes ',' and '=' in the user name as =2C and =3D", R5802_51,
        ['auth SCRAM-SHA-256: n,,n=a=2Cb=3Dc,r={client-nonce}', SFIRST, FINAL, SFINAL], user='a,b=c'),
    cli('username-saslprep', 'our client SASLpreps the user name: I\u00adX is sent as IX', R4013 + ' section 3',
        ['auth SCRAM-SHA-256: n,,n=IX,r={client-nonce}', SFIRST, FINAL, SFINAL], user=r'I\u{AD}X'),
    cli('authzid', 'our client sends a= and binds it into c=', R5802_51,
        ['auth SCRAM-SHA-256: n,a=admin,n=user,r={client-nonce}', SFIRST, 'response: c=bixhPWFkbWluLA==,r={nonce},p={proof}',
         SFINAL], authzid='admin'),
    cli('fixed-nonce', "the RFC 7677 client nonce fixed: our client-first is the RFC's", R7677,
        ['auth SCRAM-SHA-256: n,,n=user,r=rOprNGfwEbeRWgbNEkqO', SFIRST, FINAL, SFINAL],
        **{'client-nonce': 'rOprNGfwEbeRWgbNEkqO'}),
]
for value in E_VALUES:
    client.append(bad_sfinal('server-error-' + value, 'server-final e=%s: the client reports that value' % value,
                             'challenge: e=' + value, 'server-error-received', e=value))
client.append(bad_sfinal('server-error-unrecognized', 'server-final e= with a value RFC 5802 does not define',
                         'challenge: e=future-error', 'server-error-received',
                         source=R5802 + ' (server-error-value-ext)'))

# ---------------------------------------------------------------------------
# sasl-channel-binding: every gs2 flag against every server capability

PLUS_OFFER = dict(offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', bindings=['tls-exporter ' + EXPORTER], tls='yes')
NO_PLUS = dict(offered='SCRAM-SHA-256', tls='yes')
Y = 'eSws'  # base64("y,,")


def cb_srv(name, description, mech, first, final, expect='success', check=None, source=R5802_6, **kw):
    ex = ['auth %s: %s' % (mech, first)]
    if expect == 'success':
        ex += [SFIRST, 'response: ' + final, SFINAL]
    elif final is not None:
        ex += [SFIRST, 'response: ' + final]
    return srv(name, description, source, ex, expect, check, **kw)


cb = [
    cb_srv('n-server-no-plus', "flag n (client cannot bind); server offers no -PLUS", 'SCRAM-SHA-256',
           'n,,n=user,r=' + N, 'c=biws,r={nonce},p={proof}', **NO_PLUS),
    cb_srv('n-server-offers-plus', "flag n (client cannot bind); server offers -PLUS: allowed", 'SCRAM-SHA-256',
           'n,,n=user,r=' + N, 'c=biws,r={nonce},p={proof}', **PLUS_OFFER),
    cb_srv('y-server-no-plus', "flag y (client can bind, thinks the server cannot); server offers no -PLUS", 'SCRAM-SHA-256',
           'y,,n=user,r=' + N, 'c=' + Y + ',r={nonce},p={proof}', **NO_PLUS),
    cb_srv('y-server-offers-plus', "flag y while the server offers -PLUS: a downgrade, refused", 'SCRAM-SHA-256',
           'y,,n=user,r=' + N, None, 'failure not-authorized e=server-does-support-channel-binding',
           'client-thinks-no-plus', **PLUS_OFFER),
    cb_srv('p-server-offers-plus', "flag p=tls-exporter with SCRAM-SHA-256-PLUS; server has the binding", 'SCRAM-SHA-256-PLUS',
           'p=tls-exporter,,n=user,r=' + N, 'c={cbind-data},r={nonce},p={proof}', source=R5802_6 + '; ' + R9266, **PLUS_OFFER),
    cb_srv('p-server-no-plus', "SCRAM-SHA-256-PLUS asked of a server that offers no -PLUS", 'SCRAM-SHA-256-PLUS',
           'p=tls-exporter,,n=user,r=' + N, None, 'failure invalid-mechanism', 'no-acceptable-mechanism',
           source='RFC 6120 section 6.4.2; ' + R5802_6, **NO_PLUS),
    cb_srv('p-with-non-plus-mechanism', "flag p= with SCRAM-SHA-256 (not -PLUS)", 'SCRAM-SHA-256',
           'p=tls-exporter,,n=user,r=' + N, None, 'failure malformed-request', 'plus-flag-without-plus', **PLUS_OFFER),
    cb_srv('p-with-non-plus-server-no-plus', "flag p= with SCRAM-SHA-256; the server offers no -PLUS", 'SCRAM-SHA-256',
           'p=tls-exporter,,n=user,r=' + N, None, 'failure malformed-request', 'plus-flag-without-plus', **NO_PLUS),
    cb_srv('n-with-plus-mechanism', "SCRAM-SHA-256-PLUS with flag n", 'SCRAM-SHA-256-PLUS',
           'n,,n=user,r=' + N, None, 'failure malformed-request', 'gs2-flag-with-plus', **PLUS_OFFER),
    cb_srv('y-with-plus-mechanism', "SCRAM-SHA-256-PLUS with flag y", 'SCRAM-SHA-256-PLUS',
           'y,,n=user,r=' + N, None, 'failure malformed-request', 'gs2-flag-with-plus', **PLUS_OFFER),
    cb_srv('p-type-server-lacks', "p=tls-unique when the server can only provide tls-exporter", 'SCRAM-SHA-256-PLUS',
           'p=tls-unique,,n=user,r=' + N, None, 'failure not-authorized e=unsupported-channel-binding-type',
           'unsupported-cb-type', source=R5802_6 + '; ' + R5929, **PLUS_OFFER),
    cb_srv('p-type-unknown', "p=x-made-up (a type nobody defines)", 'SCRAM-SHA-256-PLUS',
           'p=x-made-up,,n=user,r=' + N, None, 'failure not-authorized e=unsupported-channel-binding-type',
           'unsupported-cb-type', **PLUS_OFFER),
    cb_srv('p-tls-server-end-point', "p=tls-server-end-point with a server that has it", 'SCRAM-SHA-256-PLUS',
           'p=tls-server-end-point,,n=user,r=' + N, 'c={cbind-data},r={nonce},p={proof}', source=R5929,
           offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes',
           bindings=['tls-exporter ' + EXPORTER, 'tls-server-end-point ' + END_POINT]),
    cb_srv('p-tls-unique', "p=tls-unique with a server that has it", 'SCRAM-SHA-256-PLUS',
           'p=tls-unique,,n=user,r=' + N, 'c={cbind-data},r={nonce},p={proof}', source=R5929 + ' (tls-unique, section 3)',
           offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes', bindings=['tls-unique ' + UNIQUE]),
    cb_srv('p-server-has-no-binding-data', "-PLUS advertised, but TLS gave the server no binding data", 'SCRAM-SHA-256-PLUS',
           'p=tls-exporter,,n=user,r=' + N, None, 'failure not-authorized e=channel-binding-not-supported',
           'channel-binding-not-supported', offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes',
           **{'cb-types': 'tls-exporter'}),
    cb_srv('sha1-plus', "SCRAM-SHA-1-PLUS with tls-exporter", 'SCRAM-SHA-1-PLUS',
           'p=tls-exporter,,n=user,r=' + N, 'c={cbind-data},r={nonce},p={proof}', source=R5802_6 + '; ' + R9266,
           offered='SCRAM-SHA-1 SCRAM-SHA-1-PLUS', tls='yes', bindings=['tls-exporter ' + EXPORTER]),
    cb_srv('sha512-plus', "SCRAM-SHA-512-PLUS with tls-exporter", 'SCRAM-SHA-512-PLUS',
           'p=tls-exporter,,n=user,r=' + N, 'c={cbind-data},r={nonce},p={proof}', source=R5802_6 + '; ' + R9266,
           offered='SCRAM-SHA-512 SCRAM-SHA-512-PLUS', tls='yes', bindings=['tls-exporter ' + EXPORTER]),
    cb_srv('p-authzid', "p=tls-exporter with a= bound into c=", 'SCRAM-SHA-256-PLUS',
           'p=tls-exporter,a=admin,n=user,r=' + N, 'c={cbind-data},r={nonce},p={proof}', authzid='admin', **PLUS_OFFER),
    cb_srv('binding-data-mismatch', "c= carries other binding data (a different TLS channel: a MITM)", 'SCRAM-SHA-256-PLUS',
           'p=tls-exporter,,n=user,r=' + N, 'c={cbind-data:flip-bit},r={nonce},p={proof}',
           'failure not-authorized e=channel-bindings-dont-match', 'channel-binding-mismatch',
           source=R5802_6 + '; ' + R9266, **PLUS_OFFER),
    cb_srv('binding-data-stripped', "c= carries only the gs2 header, no binding data", 'SCRAM-SHA-256-PLUS',
           'p=tls-exporter,,n=user,r=' + N, 'c=cD10bHMtZXhwb3J0ZXIsLA==,r={nonce},p={proof}',
           'failure not-authorized e=channel-bindings-dont-match', 'channel-binding-mismatch', **PLUS_OFFER),
    cb_srv('gs2-header-mismatch-n-y', "client-first says n, c= says y", 'SCRAM-SHA-256',
           'n,,n=user,r=' + N, 'c=' + Y + ',r={nonce},p={proof}',
           'failure not-authorized e=channel-bindings-dont-match', 'channel-binding-mismatch', **NO_PLUS),
    cb_srv('gs2-header-mismatch-authzid', "c= drops the a= the client-first carried", 'SCRAM-SHA-256',
           'n,a=admin,n=user,r=' + N, 'c=biws,r={nonce},p={proof}',
           'failure not-authorized e=channel-bindings-dont-match', 'channel-binding-mismatch', authzid='admin', **NO_PLUS),
    # our client
    cli('client-no-binding-server-no-plus', 'our client cannot bind; the server offers no -PLUS: flag n', R5802_6,
        full(), mechanism=None, offered='SCRAM-SHA-256', tls='yes'),
    cli('client-no-binding-server-offers-plus', 'our client cannot bind; the server offers -PLUS: SCRAM-SHA-256 with n',
        R5802_6, full(), mechanism=None, offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes'),
    cli('client-binding-server-no-plus', 'our client can bind; the server offers no -PLUS: flag y', R5802_6,
        ['auth SCRAM-SHA-256: y,,n=user,r={client-nonce}', SFIRST, 'response: c=' + Y + ',r={nonce},p={proof}', SFINAL],
        mechanism=None, offered='SCRAM-SHA-256', tls='yes', bindings=['tls-exporter ' + EXPORTER]),
    cli('client-binding-server-offers-plus', 'our client can bind and -PLUS is offered: p=tls-exporter', R5802_6 + '; ' + R9266,
        ['auth SCRAM-SHA-256-PLUS: p=tls-exporter,,n=user,r={client-nonce}', SFIRST,
         'response: c={cbind-data},r={nonce},p={proof}', SFINAL], mechanism=None, **PLUS_OFFER),
    cli('client-binding-forced-non-plus', 'our client can bind, -PLUS is offered, yet told to use SCRAM-SHA-256: refuses',
        R5802_6, [], 'failure', 'plus-offered-not-used', **PLUS_OFFER),
    cli('client-plus-without-data', 'our client told to use -PLUS without binding data', R5802_6, [], 'failure',
        'channel-binding-data-missing', mechanism='SCRAM-SHA-256-PLUS', offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes'),
    cli('client-end-point', 'our client has only tls-server-end-point; XEP-0440 lists it', R5929 + '; ' + X0440,
        ['auth SCRAM-SHA-256-PLUS: p=tls-server-end-point,,n=user,r={client-nonce}', SFIRST,
         'response: c={cbind-data},r={nonce},p={proof}', SFINAL], mechanism=None,
        offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes', bindings=['tls-server-end-point ' + END_POINT],
        **{'cb-types': 'tls-exporter tls-server-end-point'}),
    cli('client-prefers-exporter', 'our client has both types; XEP-0440 lists both: tls-exporter first', X0440 + '; ' + R9266,
        ['auth SCRAM-SHA-256-PLUS: p=tls-exporter,,n=user,r={client-nonce}', SFIRST,
         'response: c={cbind-data},r={nonce},p={proof}', SFINAL], mechanism=None,
        offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes',
        bindings=['tls-server-end-point ' + END_POINT, 'tls-exporter ' + EXPORTER],
        **{'cb-types': 'tls-server-end-point tls-exporter'}),
]

# ---------------------------------------------------------------------------
# sasl-downgrade: XEP-0474 h=, the old d= form, tampered lists

OFFER3 = 'SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-256-PLUS'
H_FIRST = 'challenge: r={nonce},s={salt},i={iterations},h={downgrade-hash}'

downgrade = [
    cli('h-verified', 'h= over the list the client saw: verified', X0474,
        ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', H_FIRST, FINAL, SFINAL], offered=OFFER3, tls='yes',
        downgrade_status='verified'),
    cli('h-verified-with-cb-types', 'h= over mechanisms and XEP-0440 types: verified', X0474 + '; ' + X0440,
        ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', H_FIRST, FINAL, SFINAL], offered=OFFER3, tls='yes',
        downgrade_status='verified', **{'cb-types': 'tls-exporter tls-server-end-point'}),
    cli('h-mismatch-plus-stripped', "an attacker removed -PLUS from the list the client saw; h= covers the real list",
        X0474 + ' section 3', ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', H_FIRST, 'abort'], 'failure',
        'downgrade-hash-mismatch', offered='SCRAM-SHA-1 SCRAM-SHA-256', tls='yes', **{'peer-offered': OFFER3}),
    cli('h-mismatch-cb-types-stripped', "an attacker removed tls-exporter from the XEP-0440 list the client saw",
        X0474 + ' section 3; ' + X0440, ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', H_FIRST, 'abort'], 'failure',
        'downgrade-hash-mismatch', offered=OFFER3, tls='yes',
        **{'cb-types': 'tls-server-end-point', 'peer-offered': OFFER3, 'peer-cb-types': 'tls-exporter tls-server-end-point'}),
    cli('h-mismatch-bit-flipped', 'h= with one bit flipped', X0474,
        ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', 'challenge: r={nonce},s={salt},i={iterations},h={downgrade-hash:flip-bit}',
         'abort'], 'failure', 'downgrade-hash-mismatch', offered=OFFER3, tls='yes'),
    cli('h-missing-but-required', 'the client requires h= and server-first has none', X0474, [FIRST % 'SCRAM-SHA-256', SFIRST, 'abort'],
        'failure', 'downgrade-hash-missing', offered=OFFER3, tls='yes', policy='require-downgrade-hash'),
    cli('h-absent-not-required', 'no h= and none required: not offered, the exchange succeeds', X0474, full(),
        offered=OFFER3, tls='yes', downgrade_status='not-offered'),
    cli('h-not-checked', 'h= present but the client knows no offered list: not checked', X0474,
        ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', 'challenge: r={nonce},s={salt},i={iterations},h=AAAA', FINAL, SFINAL],
        downgrade_status='not-checked'),
    cli('old-d-form', "an old draft's d= attribute: recognised as the old form, never as verified", X0474 + ' (revision history)',
        ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', 'challenge: r={nonce},s={salt},i={iterations},d=AAAA', FINAL,
         SFINAL], offered=OFFER3, tls='yes', downgrade_status='old-form'),
    cli('old-d-form-when-required', 'd= only while h= is required: the old form does not count', X0474 + ' (revision history)',
        ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', 'challenge: r={nonce},s={salt},i={iterations},d=AAAA', 'abort'],
        'failure', 'downgrade-hash-missing', offered=OFFER3, tls='yes', policy='require-downgrade-hash'),
    cli('no-mutual-cb-needs-h', 'XEP-0474 rule 6: -PLUS offered, no mutual XEP-0440 type: flag n and h= required', X0474 + '; ' + X0440,
        [FIRST % 'SCRAM-SHA-256', SFIRST, 'abort'], 'failure', 'downgrade-hash-missing', mechanism=None,
        offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes', bindings=['tls-exporter ' + EXPORTER],
        **{'cb-types': 'tls-unique'}),
    cli('no-mutual-cb-with-h', 'XEP-0474 rule 6 with a verifying h=: the exchange succeeds with flag n', X0474 + '; ' + X0440,
        ['auth SCRAM-SHA-256: n,,n=user,r={client-nonce}', H_FIRST, FINAL, SFINAL], mechanism=None,
        offered='SCRAM-SHA-256 SCRAM-SHA-256-PLUS', tls='yes', bindings=['tls-exporter ' + EXPORTER],
        downgrade_status='verified', **{'cb-types': 'tls-unique'}),
    srv('server-sends-h', 'our server sends h= over what it advertised', X0474,
        [FIRST % 'SCRAM-SHA-256', H_FIRST, FINAL, SFINAL], offered='SCRAM-SHA-1 SCRAM-SHA-256 PLAIN', tls='yes',
        policy='xep-0474'),
    srv('server-sends-h-with-cb-types', 'our server sends h= over mechanisms and XEP-0440 types', X0474 + '; ' + X0440,
        [FIRST % 'SCRAM-SHA-256', H_FIRST, FINAL, SFINAL], policy='xep-0474',
        **dict(PLUS_OFFER, **{'cb-types': 'tls-exporter'})),
]

# ---------------------------------------------------------------------------
# sasl-plain: RFC 4616

TLS = dict(tls='yes')


def plain_srv(name, description, payload, expect='success', check=None, source=R4616, **kw):
    kw.setdefault('tls', 'yes')
    return srv(name, description, source, ['auth PLAIN: ' + payload] + (['success'] if expect == 'success' else []),
               expect, check, **kw)


plain = [
    plain_srv('server-success', 'authcid and password, no authzid', r'\x00user\x00pencil'),
    plain_srv('server-authzid-allowed', 'an authzid the user may act as', r'admin\x00user\x00pencil', authzid='admin'),
    plain_srv('server-authzid-refused', 'an authzid the user may not act as', r'root\x00user\x00pencil',
              'failure invalid-authzid', 'authzid-refused', authzid='admin', source=R4616 + '; RFC 6120 section 6.5.6'),
    plain_srv('server-wrong-password', 'the wrong password', r'\x00user\x00pencil2', 'failure not-authorized',
              'plain-bad-credentials'),
    plain_srv('server-unknown-user', 'a user the server does not know', r'\x00nobody\x00pencil', 'failure not-authorized',
              'unknown-user'),
    plain_srv('server-one-nul', 'one NUL separator (authcid NUL passwd, no leading NUL)', r'user\x00pencil',
              'failure malformed-request', 'plain-missing-nul'),
    plain_srv('server-no-nul', 'no NUL separator at all', 'userpencil', 'failure malformed-request', 'plain-missing-nul'),
    plain_srv('server-nul-in-password', 'a third NUL (inside the password)', r'\x00user\x00pen\x00cil',
              'failure malformed-request', 'plain-extra-nul'),
    plain_srv('server-nul-in-authzid', 'a NUL inside the authzid', r'ad\x00min\x00user\x00pencil',
              'failure malformed-request', 'plain-extra-nul'),
    plain_srv('server-trailing-nul', 'a NUL after the password', r'\x00user\x00pencil\x00', 'failure malformed-request',
              'plain-extra-nul'),
    plain_srv('server-empty-authcid', 'an empty authcid', r'\x00\x00pencil', 'failure malformed-request', 'plain-empty-authcid'),
    plain_srv('server-empty-password', 'an empty password', r'\x00user\x00', 'failure malformed-request', 'plain-empty-password'),
    plain_srv('server-authcid-256', 'a 256-octet authcid (RFC 4616 allows 255)', r'\x00\repeat{256}{u}\x00pencil',
              'failure malformed-request', 'plain-field-too-long'),
    plain_srv('server-password-256', 'a 256-octet password', r'\x00user\x00\repeat{256}{p}', 'failure malformed-request',
              'plain-field-too-long'),
    plain_srv('server-authzid-256', 'a 256-octet authzid', r'\repeat{256}{a}\x00user\x00pencil', 'failure malformed-request',
              'plain-field-too-long'),
    plain_srv('server-password-255', 'a 255-octet password (the longest RFC 4616 allows)', r'\x00user\x00\repeat{255}{p}',
              password=r'\repeat{255}{p}'),
    plain_srv('server-authcid-invalid-utf8', 'an authcid with the byte FF', r'\x00us\xFFer\x00pencil',
              'failure malformed-request', 'bad-utf8'),
    plain_srv('server-password-invalid-utf8', 'a password with a lone continuation byte', r'\x00user\x00pen\x80cil',
              'failure malformed-request', 'bad-utf8'),
    plain_srv('server-saslprep-authcid', 'U+00AD in the authcid maps to nothing (SASLprep): I\u00adX is IX',
              r'\x00I\u{AD}X\x00pencil', user='IX', source=R4616 + '; ' + R4013),
    plain_srv('server-saslprep-password', 'U+00A0 in the password maps to a space (SASLprep)', r'\x00user\x00a\u{A0}b',
              password='a b', source=R4616 + '; ' + R4013),
    srv('server-empty-message', 'an empty PLAIN message (<auth> carrying "=")', R4616,
        ['auth PLAIN:'], 'failure malformed-request', 'plain-missing-nul', tls='yes'),
    plain_srv('server-oversize', 'a 5000-byte PLAIN message', r'\x00user\x00\repeat{5000}{p}', 'failure malformed-request',
              'message-too-long'),
    plain_srv('server-without-tls', 'PLAIN on a stream without TLS', r'\x00user\x00pencil', 'failure encryption-required',
              'plain-without-tls', tls='no', source=R6120_PLAIN + '; RFC 6120 section 6.5.4'),
    plain_srv('server-without-tls-allowed', 'PLAIN without TLS where the policy explicitly allows it', r'\x00user\x00pencil',
              tls='no', policy='allow-plain-without-tls', source=R6120_PLAIN),
    srv('server-no-initial-response', '<auth mechanism="PLAIN"/> with no data: an empty challenge, then the response',
        'RFC 6120 section 6.4.2; ' + R4616, ['auth PLAIN', 'challenge:', r'response: \x00user\x00pencil', 'success'], tls='yes'),
    # our client
    cli('client-success', 'our client sends authcid and password when only PLAIN is offered over TLS', R4616,
        [r'auth PLAIN: \x00user\x00pencil', 'success'], mechanism=None, offered='PLAIN', tls='yes'),
    cli('client-authzid', 'our client sends an authzid first', R4616, [r'auth PLAIN: admin\x00user\x00pencil', 'success'],
        mechanism=None, offered='PLAIN', tls='yes', authzid='admin'),
    cli('client-without-tls', 'PLAIN offered on a stream without TLS: our client refuses it', R6120_PLAIN, [], 'failure',
        'plain-without-tls', mechanism=None, offered='PLAIN', tls='no'),
    cli('client-without-tls-allowed', 'PLAIN without TLS where the caller explicitly allows it', R6120_PLAIN,
        [r'auth PLAIN: \x00user\x00pencil', 'success'], mechanism=None, offered='PLAIN', tls='no',
        policy='allow-plain-without-tls'),
    cli('client-password-with-nul', 'a password with a NUL cannot be sent in PLAIN', R4616, [], 'failure',
        'plain-extra-nul', mechanism='PLAIN', password=r'pen\x00cil', tls='yes'),
    cli('client-failure', '<failure><not-authorized/></failure> after PLAIN', R4616 + '; RFC 6120 section 6.4.5',
        [r'auth PLAIN: \x00user\x00pencil', 'failure not-authorized'], 'failure', 'aborted', mechanism=None,
        offered='PLAIN', tls='yes'),
]

# ---------------------------------------------------------------------------
# sasl-policy: which mechanism each side allows

ALL = 'SCRAM-SHA-1 SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-256-PLUS SCRAM-SHA-512 SCRAM-SHA-512-PLUS PLAIN'


def pick(name, description, offered, mech, source='RFC 6120 section 6.3.3', first=None, **kw):
    kw.setdefault('tls', 'yes')
    if first is None:
        first = 'auth %s: n,,n=user,r={client-nonce}' % mech
    ex = [first, SFIRST, FINAL if 'PLUS' not in mech else 'response: c={cbind-data},r={nonce},p={proof}', SFINAL]
    if mech == 'PLAIN':
        ex = [r'auth PLAIN: \x00user\x00pencil', 'success']
    return cli(name, description, source, ex, mechanism=None, offered=offered, **kw)


def refuse(name, description, offered, check, source='RFC 6120 section 6.3.3', **kw):
    kw.setdefault('tls', 'yes')
    return cli(name, description, source, [], 'failure', check, mechanism=None, offered=offered, **kw)


def srv_refuse(name, description, mech, condition, check, source='RFC 6120 section 6.4.2', payload='n,,n=user,r=' + N, **kw):
    kw.setdefault('tls', 'yes')
    line = 'auth %s: %s' % (mech, payload) if payload else 'auth ' + mech
    return srv(name, description, source, [line], 'failure ' + condition, check, **kw)


policy = [
    pick('strongest-with-binding', 'everything offered, our client can bind: SCRAM-SHA-512-PLUS', ALL, 'SCRAM-SHA-512-PLUS',
         first='auth SCRAM-SHA-512-PLUS: p=tls-exporter,,n=user,r={client-nonce}', bindings=['tls-exporter ' + EXPORTER]),
    pick('strongest-without-binding', 'everything offered, no binding: SCRAM-SHA-512', ALL, 'SCRAM-SHA-512'),
    pick('sha256-over-sha1-and-plain', 'SCRAM-SHA-1, SCRAM-SHA-256 and PLAIN offered: SCRAM-SHA-256',
         'PLAIN SCRAM-SHA-1 SCRAM-SHA-256', 'SCRAM-SHA-256'),
    pick('sha1-over-plain', 'SCRAM-SHA-1 and PLAIN offered: SCRAM-SHA-1', 'PLAIN SCRAM-SHA-1', 'SCRAM-SHA-1'),
    pick('skip-weak', 'DIGEST-MD5, CRAM-MD5 and SCRAM-SHA-1 offered: SCRAM-SHA-1', 'DIGEST-MD5 CRAM-MD5 SCRAM-SHA-1',
         'SCRAM-SHA-1', source='RFC 6331 (DIGEST-MD5 historic); RFC 6120 section 6.3.3'),
    pick('skip-unknown', 'an unknown mechanism and SCRAM-SHA-256 offered: SCRAM-SHA-256', 'X-FUTURE SCRAM-SHA-256',
         'SCRAM-SHA-256'),
    pick('plain-over-weak', 'DIGEST-MD5 and PLAIN over TLS: PLAIN', 'DIGEST-MD5 PLAIN', 'PLAIN',
         source='RFC 6331; RFC 6120 section 13.8'),
    refuse('only-weak', 'only DIGEST-MD5 and CRAM-MD5 offered: nothing acceptable', 'DIGEST-MD5 CRAM-MD5',
           'weak-mechanism', source='RFC 6331; draft-ietf-sasl-crammd5-to-historic'),
    refuse('only-anonymous', 'only ANONYMOUS offered: nothing acceptable', 'ANONYMOUS', 'weak-mechanism',
           source='RFC 4505 section 6'),
    refuse('only-login', 'only LOGIN offered: nothing acceptable', 'LOGIN', 'weak-mechanism'),
    refuse('nothing-offered', 'an empty mechanism list', 'none', 'no-acceptable-mechanism'),
    refuse('lowercase-names', 'mechanism names in lower case (they are case-sensitive)', 'scram-sha-256 scram-sha-1',
           'no-acceptable-mechanism', source='RFC 4422 section 3.1'),
    refuse('plain-only-without-tls', 'only PLAIN offered without TLS', 'PLAIN', 'plain-without-tls', tls='no',
           source=R6120_PLAIN),
    refuse('plain-disabled', 'only PLAIN offered, PLAIN disabled by the caller', 'PLAIN', 'no-acceptable-mechanism',
           policy='no-plain'),
    refuse('pinned-mechanism-missing', 'SCRAM-SHA-256-PLUS was pinned for this server and is now missing',
           'SCRAM-SHA-1 SCRAM-SHA-256', 'mechanism-downgrade', source=X0474 + ' section 1 (pinning)',
           policy='pinned=SCRAM-SHA-256-PLUS+SCRAM-SHA-256'),
    refuse('pinned-scram-plain-only', 'SCRAM used with this server before; now only PLAIN is offered',
           'PLAIN', 'mechanism-downgrade', source=X0474 + ' section 1', policy='pinned-scram'),
    srv_refuse('server-digest-md5', '<auth mechanism="DIGEST-MD5"/>', 'DIGEST-MD5', 'mechanism-too-weak', 'weak-mechanism',
               source='RFC 6331; RFC 6120 section 6.5.9', payload=''),
    srv_refuse('server-cram-md5', '<auth mechanism="CRAM-MD5"/>', 'CRAM-MD5', 'mechanism-too-weak', 'weak-mechanism',
               source='RFC 6120 section 6.5.9', payload=''),
    srv_refuse('server-anonymous', '<auth mechanism="ANONYMOUS"/>', 'ANONYMOUS', 'mechanism-too-weak', 'weak-mechanism',
               source='RFC 4505; RFC 6120 section 6.5.9', payload=''),
    srv_refuse('server-unknown', '<auth mechanism="X-FUTURE"/>', 'X-FUTURE', 'invalid-mechanism', 'unknown-mechanism',
               source='RFC 6120 section 6.5.7'),
    srv_refuse('server-not-offered', 'SCRAM-SHA-1 from a server that offers only SCRAM-SHA-256', 'SCRAM-SHA-1',
               'invalid-mechanism', 'no-acceptable-mechanism', source='RFC 6120 section 6.5.7', offered='SCRAM-SHA-256'),
    srv_refuse('server-lowercase', '<auth mechanism="scram-sha-256"/> (names are upper case)', 'scram-sha-256',
               'invalid-mechanism', 'bad-mechanism-name', source='RFC 6120 section 6.4.2; RFC 4422 section 3.1'),
    srv_refuse('server-name-too-long', 'a 21-character mechanism name (at most 20)', 'SCRAM-SHA-256-PLUS-XY',
               'invalid-mechanism', 'bad-mechanism-name', source='RFC 4422 section 3.1'),
    srv_refuse('server-plain-without-tls', 'PLAIN before TLS: our server does not even offer it', 'PLAIN',
               'encryption-required', 'plain-without-tls', source=R6120_PLAIN + '; RFC 6120 section 6.5.4',
               payload=r'\x00user\x00pencil', tls='no'),
]

SUITE = {
    'sasl-examples': {'examples': ('RFC 5802, RFC 7677 and XEP-0474 example exchanges, byte for byte, and the same\n'
                                   'exchanges written with placeholders.', examples)},
    'sasl-scram-grammar': {'grammar': ('Every RFC 5802 section 7 grammar rule broken once, on both sides.', grammar)},
    'sasl-scram-server': {'server': ('What a SCRAM server checks: proofs, nonces, users, authzids, sizes, base64.', server)},
    'sasl-scram-client': {'client': ('What a SCRAM client checks: nonces, iteration counts, server signatures, e= values.',
                                     client)},
    'sasl-channel-binding': {'channel-binding': ('gs2 flags n, y and p= against servers with and without -PLUS; binding\n'
                                                 'data and types (RFC 5802 section 6, RFC 5929, RFC 9266, XEP-0440).', cb)},
    'sasl-downgrade': {'downgrade': ('XEP-0474 downgrade protection: h=, tampered lists, the old d= form.', downgrade)},
    'sasl-plain': {'plain': ('PLAIN (RFC 4616): separators, lengths, UTF-8, SASLprep, TLS.', plain)},
    'sasl-policy': {'policy': ('Mechanism choice (client) and acceptance (server): strength order, weak mechanisms,\n'
                               'pinning, TLS.', policy)},
}
