"""Definitions of the conformance vectors (see README.md, "Conformance suite").

conformance/generate-vectors turns these into conformance/vectors/**/*.vec.
Inputs and events are written in the .vec escape language (raw strings, so
r'\\x00' is the escape, not a Python byte). A refused vector names where the
refusal must happen with a marker: `at` is a string found in the decoded
input (its `nth` occurrence, default the first, moved by `plus` bytes) or a
plain offset.
"""

# ---------------------------------------------------------------------------
# Helpers

STREAMS = 'http://etherx.jabber.org/streams'
# A client's stream header, as the raw-profile vectors spell it out.
H = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
     "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>")
H_NODECL = ("<stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>")
OPEN = ('stream-open <stream:stream xmlns:stream="http://etherx.jabber.org/streams" '
        'xmlns="jabber:client" to="localhost" version="1.0">')
# A server's stream header (server-to-client vectors).
SOPEN = ('stream-open <stream:stream xmlns:stream="http://etherx.jabber.org/streams" '
         'xmlns="jabber:client" from="localhost" id="xmppfuzz" version="1.0">')


def header(attrs="to='localhost' version='1.0'", decl="<?xml version='1.0'?>",
           ns="xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'", name='stream:stream'):
    return "%s<%s %s %s>" % (decl, name, ns, attrs)


def opened(attrs):
    return ('stream-open <stream:stream xmlns:stream="http://etherx.jabber.org/streams" '
            'xmlns="jabber:client" %s>' % attrs)


def stanza(canonical):
    return 'stanza ' + canonical


def ok(name, description, source, input, events, **kw):
    return dict(name=name, description=description, source=source,
                input=[input] if isinstance(input, str) else list(input),
                expect='accepted', events=list(events), **kw)


def no(name, description, source, input, condition, at, **kw):
    return dict(name=name, description=description, source=source,
                input=[input] if isinstance(input, str) else list(input),
                expect=condition, at=at, **kw)


MSG = stanza('<message xmlns="jabber:client"/>')
PRES = stanza('<presence xmlns="jabber:client"/>')

# Reasons shared by many vectors.
BOUNCE = ('stanza-error bad-request', 'RFC 6120 8.3 lets a server answer a bad stanza with a bad-request '
          'stanza error and keep the stream; the reference closes the stream to make the rule visible')
CLOSE_AFTER = ('closed', 'RFC 6120 4.4: after the closing tag the peer may just end the TCP connection')
NOT_LIVE_PARTIAL = 'the input ends inside a token, so a probe sent after it could not be told apart'
NOT_LIVE_LOGIN = 'needs a log-in the live server would accept'
PREAUTH = ('refused not-authorized', 'RFC 6120 6.4.1 and 4.9.3.12: a server may close a stream that sends '
           'stanzas before authenticating')

R6120_11_1 = 'RFC 6120 section 11.1 (restricted XML)'
R6120_11_6 = 'RFC 6120 section 11.6 (UTF-8 only)'
XML_WF = 'XML 1.0 fifth edition'
NS10 = 'Namespaces in XML 1.0 third edition'


# ---------------------------------------------------------------------------
# restricted-xml: RFC 6120 section 11.1 forbids comments, processing
# instructions, DTDs and entity references other than the predefined ones.

comments = [
    no('comment-between-stanzas', 'a comment between two stanzas', R6120_11_1,
       '<message/><!-- hello -->', 'restricted-xml', '<!--'),
    no('comment-in-body-text', 'a comment inside message body text', R6120_11_1,
       '<message><body>a<!-- hello -->b</body></message>', 'restricted-xml', '<!--'),
    no('comment-first-child', 'a comment as the first child of a stanza', R6120_11_1,
       '<message><!--x--><body>a</body></message>', 'restricted-xml', '<!--'),
    no('comment-empty', 'the shortest comment, <!---->, between stanzas', R6120_11_1,
       '<presence/><!---->', 'restricted-xml', '<!--'),
    no('comment-with-double-hyphen', "a comment with '--' inside (also not well-formed)", R6120_11_1 + '; XML 1.0 section 2.5',
       '<message/><!-- a -- b -->', 'restricted-xml', '<!--'),
    no('comment-refused-at-bang-hyphen', "refused as soon as '<!-' arrives, before the comment ends", R6120_11_1,
       '<message/><!-', 'restricted-xml', '<!-', live=NOT_LIVE_PARTIAL),
    no('comment-before-header', 'a comment before the stream header', R6120_11_1,
       '<!-- hi -->' + H_NODECL, 'restricted-xml', 0, profile='raw'),
    no('comment-after-xml-declaration', 'a comment between the XML declaration and the stream header', R6120_11_1,
       "<?xml version='1.0'?><!-- hi -->" + H_NODECL, 'restricted-xml', '<!--', profile='raw'),
    no('comment-in-stanza-hiding-markup', 'a comment that hides a closing tag and a second stanza', R6120_11_1,
       "<message><body>a<!--</body></message><message to='victim@localhost'><body>b--></body></message>",
       'restricted-xml', '<!--'),
    no('comment-in-iq-child', 'a comment deep inside an iq child', R6120_11_1,
       "<iq type='set' id='c1'><query xmlns='jabber:iq:private'><x xmlns='urn:x'><!--c--></x></query></iq>",
       'restricted-xml', '<!--'),
    no('comment-server-to-client', 'a comment from a server, between features and a stanza', R6120_11_1,
       '<stream:features/><!-- x -->', 'restricted-xml', '<!--', side='s2c', profile='opened'),
]

pis = [
    no('pi-between-stanzas', 'a processing instruction between stanzas', R6120_11_1,
       '<message/><?foo bar?>', 'restricted-xml', '<?'),
    no('pi-inside-stanza', 'a processing instruction inside a stanza', R6120_11_1,
       '<message><?foo?><body>a</body></message>', 'restricted-xml', '<?'),
    no('pi-in-body-text', 'a processing instruction inside body text', R6120_11_1,
       '<message><body>a<?php echo 1; ?>b</body></message>', 'restricted-xml', '<?'),
    no('pi-stylesheet-before-header', 'an xml-stylesheet PI between the XML declaration and the header', R6120_11_1,
       "<?xml version='1.0'?><?xml-stylesheet href='a.xsl'?>" + H_NODECL, 'restricted-xml', '<?', nth=2,
       profile='raw'),
    no('pi-before-xml-declaration', 'a PI before the XML declaration', R6120_11_1,
       "<?foo?><?xml version='1.0'?>" + H_NODECL, 'restricted-xml', 0, profile='raw'),
    no('pi-target-xml-uppercase', 'a PI whose target is XML in capitals, between stanzas', R6120_11_1,
       "<message/><?XML version='1.0'?>", 'restricted-xml', '<?'),
    no('pi-target-xmlfoo', "a PI whose target starts with 'xml'", R6120_11_1,
       '<message/><?xmlfoo bar?>', 'restricted-xml', '<?'),
    no('xml-declaration-between-stanzas', 'an XML declaration between stanzas with no restart due', R6120_11_1 + '; RFC 6120 4.3.3',
       "<message/><?xml version='1.0'?>", 'restricted-xml', '<?'),
    no('xml-declaration-inside-stanza', 'an XML declaration inside a stanza', R6120_11_1,
       "<message><?xml version='1.0'?><body>a</body></message>", 'restricted-xml', '<?'),
    no('pi-refused-at-lt-question', "refused as soon as '<?' arrives", R6120_11_1,
       '<presence/><?', 'restricted-xml', '<?', live=NOT_LIVE_PARTIAL),
    no('second-xml-declaration', 'two XML declarations before the header', R6120_11_1 + '; XML 1.0 section 2.8',
       "<?xml version='1.0'?><?xml version='1.0'?>" + H_NODECL, 'restricted-xml', '<?', nth=2, profile='raw'),
]

dtds = [
    no('doctype-internal-subset', 'a DOCTYPE with an internal subset before the header', R6120_11_1,
       "<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY x 'y'>]>" + H_NODECL, 'restricted-xml', '<!DOCTYPE',
       profile='raw'),
    no('doctype-external-system', 'a DOCTYPE naming an external DTD (SYSTEM)', R6120_11_1,
       "<!DOCTYPE stream:stream SYSTEM 'http://127.0.0.1:9/x.dtd'>" + H_NODECL, 'restricted-xml', 0, profile='raw'),
    no('doctype-external-public', 'a DOCTYPE naming an external DTD (PUBLIC)', R6120_11_1,
       "<!DOCTYPE stream:stream PUBLIC '-//X//Y//EN' 'http://127.0.0.1:9/x.dtd'>" + H_NODECL, 'restricted-xml', 0,
       profile='raw'),
    no('doctype-lowercase', "'<!doctype' in lower case (not even a DOCTYPE, still markup)", R6120_11_1,
       '<!doctype stream>' + H_NODECL, 'restricted-xml', 0, profile='raw'),
    no('doctype-between-stanzas', 'a DOCTYPE between stanzas', R6120_11_1,
       '<message/><!DOCTYPE message>', 'restricted-xml', '<!DOCTYPE'),
    no('doctype-inside-stanza', 'a DOCTYPE inside a stanza', R6120_11_1,
       '<message><!DOCTYPE message><body>a</body></message>', 'restricted-xml', '<!DOCTYPE'),
    no('entity-declaration-bare', 'an ENTITY declaration outside any DTD', R6120_11_1,
       "<message/><!ENTITY x 'y'>", 'restricted-xml', '<!ENTITY'),
    no('element-declaration-bare', 'an ELEMENT declaration outside any DTD', R6120_11_1,
       '<message/><!ELEMENT message ANY>', 'restricted-xml', '<!ELEMENT'),
    no('attlist-default-injection', 'an ATTLIST that would give every message a default to attribute', R6120_11_1,
       "<?xml version='1.0'?><!DOCTYPE stream:stream [<!ATTLIST message to CDATA 'victim@localhost'>]>" + H_NODECL,
       'restricted-xml', '<!DOCTYPE', profile='raw'),
    no('notation-declaration', 'a NOTATION declaration between stanzas', R6120_11_1,
       "<message/><!NOTATION n SYSTEM 'x'>", 'restricted-xml', '<!NOTATION'),
    no('doctype-refused-at-bang', "refused as soon as '<!D' arrives", R6120_11_1,
       '<message/><!D', 'restricted-xml', '<!D', live=NOT_LIVE_PARTIAL),
]

entities = [
    ok('predefined-entities-in-text', 'all five predefined entity references in text', R6120_11_1,
       '<message><body>&lt;&gt;&amp;&apos;&quot;</body></message>',
       [stanza('<message xmlns="jabber:client"><body>&lt;&gt;&amp;\'"</body></message>')]),
    ok('predefined-entities-in-attribute', 'all five predefined entity references in an attribute value', R6120_11_1,
       "<message id='&lt;&gt;&amp;&apos;&quot;'/>",
       [stanza('<message xmlns="jabber:client" id="&lt;&gt;&amp;\'&quot;"/>')]),
    no('undeclared-entity-in-text', 'an undeclared entity reference in text', R6120_11_1,
       '<message><body>a&foo;b</body></message>', 'restricted-xml', '&foo;'),
    no('undeclared-entity-in-attribute', 'an undeclared entity reference in an attribute value', R6120_11_1,
       "<message id='a&foo;'/>", 'restricted-xml', '&foo;'),
    no('entity-html-nbsp', 'the HTML entity &nbsp;', R6120_11_1,
       '<message><body>a&nbsp;b</body></message>', 'restricted-xml', '&nbsp;'),
    no('entity-extends-predefined', "'&ampx;': a predefined name with more after it", R6120_11_1,
       '<message><body>&ampx;</body></message>', 'restricted-xml', '&ampx;'),
    no('entity-prefix-of-predefined', "'&am;': a prefix of a predefined name", R6120_11_1,
       '<message><body>&am;</body></message>', 'restricted-xml', '&am;'),
    no('entity-predefined-uppercase', "'&AMP;': predefined names are case-sensitive", R6120_11_1,
       '<message><body>&AMP;</body></message>', 'restricted-xml', '&AMP;'),
    no('entity-between-stanzas', 'an undeclared entity reference between stanzas', R6120_11_1 + '; RFC 6120 4.7',
       '<message/>&x;', 'bad-format', '&x;',
       acceptable=[('refused restricted-xml', 'the reference is also an entity reference RFC 6120 11.1 forbids; '
                    "the reference names the first fault, character data between stanzas, at the '&'")]),
    no('entity-in-header-attribute', 'an entity reference in a stream header attribute', R6120_11_1,
       header("to='&host;' version='1.0'"), 'restricted-xml', '&host;', profile='raw'),
    no('parameter-entity-in-doctype', 'a parameter entity reference in an internal subset', R6120_11_1,
       "<!DOCTYPE s [<!ENTITY % p SYSTEM 'http://127.0.0.1:9/p'> %p;]>" + H_NODECL, 'restricted-xml', 0, profile='raw'),
    ok('percent-in-text-is-text', "'%p;' in content is plain text, not a parameter entity", R6120_11_1 + '; XML 1.0 section 4.1',
       '<message><body>%p;</body></message>', [stanza('<message xmlns="jabber:client"><body>%p;</body></message>')]),
    ok('char-ref-decimal', 'a decimal character reference to <', R6120_11_1 + ' (character references are allowed)',
       '<message><body>&#60;</body></message>', [stanza('<message xmlns="jabber:client"><body>&lt;</body></message>')]),
    ok('char-ref-hex', 'a hexadecimal character reference to <', R6120_11_1,
       '<message><body>&#x3C;&#x3c;</body></message>',
       [stanza('<message xmlns="jabber:client"><body>&lt;&lt;</body></message>')]),
    ok('char-ref-astral', 'a character reference above the BMP', R6120_11_1,
       '<message><body>&#x1F600;</body></message>',
       [stanza(r'<message xmlns="jabber:client"><body>\u{1F600}</body></message>')]),
    ok('char-ref-whitespace-in-attribute', 'character references to TAB, LF and CR survive attribute normalisation',
       'XML 1.0 section 3.3.3', "<message id='&#9;&#10;&#13;'/>",
       [stanza('<message xmlns="jabber:client" id="&#9;&#10;&#13;"/>')]),
]

# ---------------------------------------------------------------------------
# xml-dos: expansion bombs and every size limit, enforced as the bytes arrive.

LOL = "<!ENTITY lol 'lol'>" + ''.join(
    "<!ENTITY lol%d '%s'>" % (i, ('&lol%d;' % (i - 1) if i > 1 else '&lol;') * 10) for i in range(1, 10))

PAD_OPEN = "<iq type='get' id='big'><query xmlns='urn:xmppfuzz:padding'>"
PAD_CLOSE = '</query></iq>'


def padded(total):
    """An iq of exactly |total| bytes, padded with 'x' text."""
    n = total - len(PAD_OPEN) - len(PAD_CLOSE)
    return PAD_OPEN + r'\repeat{%d}{x}' % n + PAD_CLOSE, n


def padded_event(n):
    return stanza(r'<iq xmlns="jabber:client" id="big" type="get"><query xmlns="urn:xmppfuzz:padding">'
                  r'\repeat{%d}{x}</query></iq>' % n)


PRE, PRE_N = padded(10000)
PRE_OVER, _ = padded(10001)
AUTH, AUTH_N = padded(262144)
AUTH_OVER, _ = padded(262145)
LIMITS = 'RFC 6120 section 13.12 (denial of service); reference limits (targets/xml/xml.h Limits)'

bombs = [
    no('billion-laughs', 'the billion laughs entity bomb in a DOCTYPE before the header', R6120_11_1 + '; CVE-2003-1564',
       ["<?xml version='1.0'?><!DOCTYPE stream:stream [" + LOL + ']>', H_NODECL, '<message><body>&lol9;</body></message>'],
       'restricted-xml', '<!DOCTYPE', profile='raw'),
    no('billion-laughs-after-header', 'the billion laughs DOCTYPE sent after the stream header', R6120_11_1 + '; CVE-2003-1564',
       ['<!DOCTYPE x [' + LOL + ']>'], 'restricted-xml', '<!DOCTYPE'),
    no('billion-laughs-reference-only', 'a reference to an entity of the bomb, with no declaration', R6120_11_1,
       '<message><body>&lol9;</body></message>', 'restricted-xml', '&lol9;'),
    no('quadratic-blowup', 'one 50000-byte entity referenced 10000 times (quadratic blowup)', R6120_11_1,
       ["<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY a '\\repeat{50000}{x}'>]>", H_NODECL,
        r'<message><body>\repeat{10000}{&a;}</body></message>'], 'restricted-xml', '<!DOCTYPE', profile='raw'),
    no('quadratic-blowup-references-only', '10000 references to an undeclared entity', R6120_11_1,
       r'<message><body>\repeat{10000}{&a;}</body></message>', 'restricted-xml', '&a;'),
    no('external-entity-file', 'an external entity reading a local file (XXE)', R6120_11_1 + '; CWE-611',
       "<!DOCTYPE s [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>" + H_NODECL + '<message><body>&xxe;</body></message>',
       'restricted-xml', 0, profile='raw'),
    no('external-entity-network', 'an external entity fetched over the network (SSRF)', R6120_11_1 + '; CWE-611',
       "<!DOCTYPE s [<!ENTITY xxe SYSTEM 'http://127.0.0.1:9/'>]>" + H_NODECL, 'restricted-xml', 0, profile='raw'),
    no('entity-bomb-in-attribute-default', 'an entity bomb reached through an attribute default', R6120_11_1,
       "<!DOCTYPE s [" + LOL + "<!ATTLIST message id CDATA '&lol9;'>]>" + H_NODECL, 'restricted-xml', 0,
       profile='raw'),
]


def nest(n):
    return '<message>' + r'\repeat{%d}{<a>}' % n + r'\repeat{%d}{</a>}' % n + '</message>'


def nest_event(n):
    if n == 0:
        return stanza('<message xmlns="jabber:client"/>')
    return stanza('<message xmlns="jabber:client">' + r'\repeat{%d}{<a>}<a/>\repeat{%d}{</a>}' % (n - 1, n - 1)
                  + '</message>')


def attrs(n, prefix='a'):
    return ''.join(" %s%03d='v'" % (prefix, i) for i in range(n))


def attrs_event(n, prefix='a'):
    return ''.join(' %s%03d="v"' % (prefix, i) for i in range(n))


def nsdecls(n):
    return ''.join(" xmlns:p%02d='urn:xmppfuzz:%d'" % (i, i) for i in range(n))


limits = [
    ok('nesting-at-limit', 'a stanza nested to depth 32 counting the stream element (the limit)', LIMITS,
       nest(30), [nest_event(30)]),
    no('nesting-over-limit', 'one element deeper than the depth limit', LIMITS,
       nest(31), 'policy-violation', '<a>', nth=31),
    no('nesting-10000-unclosed', '10000 nested start tags, never closed', LIMITS + '; CVE-2022-40303 class',
       r'<message>\repeat{10000}{<a>}', 'policy-violation', '<a>', nth=31),
    no('nesting-100000-empty-names', '100000 nested one-letter elements in one write', LIMITS,
       r'<message>\repeat{100000}{<b>}', 'policy-violation', '<b>', nth=31),
    ok('attributes-at-limit', '64 attributes on one element (the limit)', LIMITS,
       '<message' + attrs(64) + '/>', [stanza('<message xmlns="jabber:client"' + attrs_event(64) + '/>')]),
    no('attributes-over-limit', '65 attributes on one element', LIMITS,
       '<message' + attrs(65) + '/>', 'policy-violation', 'a064'),
    no('attribute-flood', '10000 attributes on one element', LIMITS,
       '<message' + ''.join(" b%04d='v'" % i for i in range(10000)) + '/>', 'policy-violation', 'b0064'),
    ok('namespace-declarations-at-limit', '16 namespace declarations on one element (the limit)', LIMITS,
       '<message' + nsdecls(16) + '/>', [MSG]),
    no('namespace-declarations-over-limit', '17 namespace declarations on one element', LIMITS,
       '<message' + nsdecls(17) + '/>', 'policy-violation', 'xmlns:p16'),
    no('namespace-declaration-flood', '1000 namespace declarations on one element', LIMITS + '; CVE-2022-25314 class',
       '<message' + ''.join(" xmlns:q%03d='urn:q'" % i for i in range(1000)) + '/>', 'policy-violation', 'xmlns:q016'),
    ok('element-name-at-limit', 'an element name of 256 bytes (the limit)', LIMITS,
       r"<message><\repeat{256}{n} xmlns='urn:x'/></message>",
       [stanza(r'<message xmlns="jabber:client"><\repeat{256}{n} xmlns="urn:x"/></message>')]),
    no('element-name-over-limit', 'an element name of 257 bytes', LIMITS,
       r"<message><\repeat{257}{n} xmlns='urn:x'/></message>", 'policy-violation', '<n', plus=257),
    no('element-name-100k', 'an element name of 100000 bytes', LIMITS,
       r'<message><\repeat{100000}{n}', 'policy-violation', '<n', plus=257),
    no('attribute-name-over-limit', 'an attribute name of 257 bytes', LIMITS,
       r"<message \repeat{257}{n}='v'/>", 'policy-violation', ' n', plus=257),
    no('qualified-name-over-limit', 'a prefix and local name that together pass 256 bytes', LIMITS,
       r"<message><\repeat{200}{p}:\repeat{57}{l} xmlns:\repeat{200}{p}='urn:x'/></message>", 'policy-violation',
       '<p', plus=257),
    ok('multibyte-name-at-limit', 'an element name of 128 two-byte characters (256 bytes)', LIMITS,
       r"<message><\repeat{128}{\u{E9}} xmlns='urn:x'/></message>",
       [stanza(r'<message xmlns="jabber:client"><\repeat{128}{\u{E9}} xmlns="urn:x"/></message>')]),
    no('multibyte-name-over-limit', 'an element name of 129 two-byte characters: refused at the character that passes the limit',
       LIMITS, r"<message><\repeat{129}{\u{E9}} xmlns='urn:x'/></message>", 'policy-violation', '<', nth=2, plus=257),
    ok('stanza-size-preauth-at-limit', 'a 10000-byte stanza before authentication (the pre-auth limit)', LIMITS,
       PRE, [padded_event(PRE_N)], profile='opened', acceptable=[PREAUTH]),
    no('stanza-size-preauth-over-limit', 'a 10001-byte stanza before authentication', LIMITS,
       PRE_OVER, 'policy-violation', 10000, profile='opened', acceptable=[PREAUTH]),
    ok('stanza-size-at-limit', 'a 262144-byte stanza after authentication (the limit)', LIMITS,
       AUTH, [padded_event(AUTH_N)]),
    no('stanza-size-over-limit', 'a 262145-byte stanza after authentication', LIMITS,
       AUTH_OVER, 'policy-violation', 262144),
    no('stanza-size-attribute-value', 'a 300000-byte attribute value', LIMITS,
       r"<message id='\repeat{300000}{v}'/>", 'policy-violation', 262144),
    no('stanza-size-many-children', 'a stanza over the limit built from 50000 small children', LIMITS,
       r'<message>\repeat{50000}{<a>b</a>}</message>', 'policy-violation', 262144),
    no('stanza-size-character-references', 'a stanza over the limit in character references (counted as bytes read)',
       LIMITS, r'<message><body>\repeat{60000}{&#x41;}</body></message>', 'policy-violation', 262144),
    no('stanza-size-cdata', 'a stanza over the limit inside one CDATA section', LIMITS,
       r'<message><body><![CDATA[\repeat{300000}{c}]]></body></message>', 'policy-violation', 262144),
    no('stanza-size-unclosed', 'a stanza that never closes, past the limit', LIMITS,
       r'<message><body>\repeat{300000}{u}', 'policy-violation', 262144),
    no('stanza-size-namespace-name', 'a 300000-byte namespace name', LIMITS,
       r"<message><x xmlns='urn:\repeat{300000}{n}'/></message>", 'policy-violation', 262144),
    no('header-size-over-limit', 'a stream header larger than the pre-auth stanza limit', LIMITS,
       header(r"to='localhost' version='1.0' x='\repeat{20000}{h}'"), 'policy-violation', '<stream', plus=10000,
       profile='raw'),
    ok('many-stanzas-each-under-limit', '30 stanzas of 9000 bytes each (270000 bytes in all) before authentication',
       LIMITS + ' (the limit is per stanza)', [r'\repeat{30}{' + padded(9000)[0] + '}'],
       [r'\repeat{30}{' + padded_event(padded(9000)[1]) + r'\n}'], profile='opened', acceptable=[PREAUTH]),
    ok('whitespace-between-stanzas-flood', 'one megabyte of whitespace between stanzas', LIMITS + '; RFC 6120 4.6.1',
       r'<message/>\repeat{1000000}{ }<presence/>', [MSG, PRES]),
    ok('many-small-stanzas', '1000 presence stanzas in one write', LIMITS,
       r'\repeat{1000}{<presence/>}', [r'\repeat{1000}{stanza <presence xmlns="jabber:client"/>\n}']),
]

# ---------------------------------------------------------------------------
# well-formedness: XML 1.0 sections 2 and 3.

wf_tags = [
    no('end-tag-mismatch', 'an end tag that does not match its start tag', XML_WF + ' section 3 (element type match)',
       '<message></presence>', 'not-well-formed', '</'),
    no('end-tag-mismatch-nested', 'a child left open when its parent closes', XML_WF + ' section 3',
       '<message><body></message>', 'not-well-formed', '</message>'),
    no('end-tag-extra', 'an end tag with nothing open at stanza level', XML_WF + ' section 3',
       '<message/></message>', 'not-well-formed', '</'),
    no('end-tag-prefix-mismatch', 'an end tag with another prefix for the same namespace', NS10 + ' section 3',
       "<p:message xmlns:p='jabber:client'></q:message>", 'not-well-formed', '</'),
    no('start-tag-unclosed', "a start tag interrupted by '<'", XML_WF + ' section 3.1',
       '<message<presence/>', 'not-well-formed', '<', nth=2, plus=0),
    no('end-tag-empty-name', "'</>'", XML_WF + ' section 3.1', '<message></></message>', 'not-well-formed', '</>', plus=2),
    no('end-tag-with-attribute', 'an end tag carrying an attribute', XML_WF + ' section 3.1',
       "<message><body></body id='x'></message>", 'not-well-formed', "id='x'"),
    ok('end-tag-trailing-whitespace', "whitespace before '>' in an end tag", XML_WF + ' section 3.1 [42]',
       '<message><body>a</body\n\t ></message>', [stanza('<message xmlns="jabber:client"><body>a</body></message>')]),
    ok('start-tag-whitespace', 'line breaks and tabs between attributes', XML_WF + ' section 3.1 [40]',
       "<message\n\ttype='chat'\r\n  id = \"m1\"\n/>", [stanza('<message xmlns="jabber:client" id="m1" type="chat"/>')]),
    no('space-before-element-name', "'< message/>'", XML_WF + ' section 3.1', '< message/>', 'not-well-formed', 1),
    no('slash-space-gt', "'<message/ >'", XML_WF + ' section 3.1', '<message/ >', 'not-well-formed', 9),
    no('element-name-digit-start', 'an element name starting with a digit', XML_WF + ' section 2.3',
       '<message><1a/></message>', 'not-well-formed', '1a'),
    no('element-name-bad-char', "an element name with '$'", XML_WF + ' section 2.3',
       '<mess$age/>', 'not-well-formed', '$'),
    no('element-name-leading-colon', "an element name ':message'", NS10 + ' section 3',
       '<:message/>', 'not-well-formed', ':'),
    no('element-name-two-colons', "an element name 'a:b:c'", NS10 + ' section 3',
       "<message><a:b:c xmlns:a='urn:a'/></message>", 'not-well-formed', 'a:b:c'),
    ok('element-name-non-ascii', 'element names with letters outside ASCII', XML_WF + ' section 2.3',
       r"<message><\u{F1}and\u{FA} xmlns='urn:x'><\u{3B1}/></\u{F1}and\u{FA}></message>",
       [stanza(r'<message xmlns="jabber:client"><\u{F1}and\u{FA} xmlns="urn:x"><\u{3B1}/></\u{F1}and\u{FA}></message>')]),
    no('element-name-fifth-edition', 'an element name using U+1F600, a name character only in the fifth edition',
       XML_WF + ' section 2.3 [4]; fourth edition Appendix B', r"<message><x\u{1F600} xmlns='urn:x'/></message>",
       'not-well-formed', r'\u{1F600}',
       acceptable=[('accepted', 'XML 1.0 fifth edition allows it; the reference takes the intersection of its '
                    "backends' name rules (Expat: fourth edition) so that they never disagree")]),
    ok('cdata-section', 'a CDATA section holding markup characters', XML_WF + ' section 2.7',
       '<message><body><![CDATA[<x>&y;]]></body></message>',
       [stanza('<message xmlns="jabber:client"><body>&lt;x&gt;&amp;y;</body></message>')]),
    ok('cdata-section-empty', 'an empty CDATA section', XML_WF + ' section 2.7',
       '<message><body>a<![CDATA[]]>b</body></message>', [stanza('<message xmlns="jabber:client"><body>ab</body></message>')]),
    no('cdata-malformed-open', "'<![CDAT[' (one letter short)", XML_WF + ' section 2.7',
       '<message><body><![CDAT[x]]></body></message>', 'not-well-formed', '[x'),
    no('cdata-end-in-text', "']]>' in character data", XML_WF + ' section 2.4',
       '<message><body>a]]>b</body></message>', 'not-well-formed', ']]>'),
    no('conditional-section-in-content', "'<![INCLUDE[' in content", XML_WF + ' section 3.4',
       '<message><body><![INCLUDE[x]]></body></message>', 'not-well-formed', 'INCLUDE'),
    ok('gt-in-text', "'>' alone in character data", XML_WF + ' section 2.4',
       '<message><body>a>b]>c</body></message>', [stanza('<message xmlns="jabber:client"><body>a&gt;b]&gt;c</body></message>')]),
    no('bare-ampersand-in-text', "a lone '&' in text", XML_WF + ' section 2.4',
       '<message><body>a & b</body></message>', 'not-well-formed', '&'),
    no('entity-ref-without-semicolon', "'&lt' followed by a space", XML_WF + ' section 4.1',
       '<message><body>&lt b</body></message>', 'not-well-formed', '&lt', plus=3),
]

wf_attrs = [
    no('attribute-without-value', 'an attribute name with no value', XML_WF + ' section 3.1 [41]',
       '<message type>', 'not-well-formed', '>'),
    no('attribute-unquoted', 'an unquoted attribute value', XML_WF + ' section 3.1 [10]',
       '<message type=chat/>', 'not-well-formed', 'chat'),
    no('attribute-mixed-quotes', "a value opened with ' and closed with \" runs on into the next tag",
       XML_WF + ' section 3.1 [10]', "<message type='chat\"/><presence/>", 'not-well-formed', '<presence'),
    no('attribute-duplicate', 'the same attribute twice', XML_WF + ' section 3.1 (unique attribute spec)',
       "<message type='chat' type='normal'/>", 'not-well-formed', 'type', nth=2),
    no('attribute-duplicate-expanded-name', 'two prefixes for one namespace make the same attribute twice',
       NS10 + ' section 6.3', "<message xmlns:a='urn:x' xmlns:b='urn:x' a:z='1' b:z='2'/>", 'not-well-formed', 'b:z'),
    no('attribute-no-space-between', 'two attributes with no whitespace between them', XML_WF + ' section 3.1 [40]',
       "<message to='a@localhost'type='chat'/>", 'not-well-formed', "type"),
    no('attribute-value-lt', "'<' in an attribute value", XML_WF + ' section 3.1 [10]',
       "<message id='a<b'/>", 'not-well-formed', '<b'),
    ok('attribute-value-gt', "'>' and ']]>' in an attribute value", XML_WF + ' section 3.1 [10]',
       "<message id='a>b]]>c'/>", [stanza('<message xmlns="jabber:client" id="a&gt;b]]&gt;c"/>')]),
    ok('attribute-value-other-quote', 'each quote inside a value delimited by the other', XML_WF + ' section 3.1 [10]',
       "<message id=\"it's\" type='chat' xml:lang='e\"n'/>",
       [stanza('<message xmlns="jabber:client" id="it\'s" type="chat" xml:lang="e&quot;n"/>')]),
    ok('attribute-value-normalisation', 'TAB, LF and CRLF in an attribute value become spaces', XML_WF + ' section 3.3.3',
       "<message id='a\tb\nc\r\nd'/>", [stanza('<message xmlns="jabber:client" id="a b c d"/>')]),
    ok('attribute-spaces-around-equals', "spaces around '='", XML_WF + ' section 2.3 [25]',
       "<message type = 'chat'/>", [stanza('<message xmlns="jabber:client" type="chat"/>')]),
    no('attribute-name-digit-start', 'an attribute name starting with a digit', XML_WF + ' section 2.3',
       "<message 1a='x'/>", 'not-well-formed', '1a'),
    no('attribute-value-nul', 'a NUL byte in an attribute value', XML_WF + ' section 2.2',
       r"<message id='a\x00b'/>", 'not-well-formed', r'\x00'),
    no('attribute-value-control', 'a U+0001 byte in an attribute value', XML_WF + ' section 2.2',
       r"<message id='a\x01b'/>", 'not-well-formed', r'\x01'),
]

wf_chars = [
    no('text-nul', 'a NUL byte in text', XML_WF + ' section 2.2', r'<message><body>a\x00b</body></message>',
       'not-well-formed', r'\x00'),
    no('element-name-nul', 'a NUL byte in an element name', XML_WF + ' section 2.3', r'<mes\x00sage/>',
       'not-well-formed', r'\x00'),
    ok('text-del-and-c1', 'DEL and C1 controls are XML 1.0 characters', XML_WF + ' section 2.2 [2]',
       r'<message><body>\x7F\u{80}\u{9F}</body></message>',
       [stanza(r'<message xmlns="jabber:client"><body>\x7F\u{80}\u{9F}</body></message>')]),
    ok('text-line-endings', 'CRLF and lone CR in text are read as LF', XML_WF + ' section 2.11',
       r'<message><body>a\r\nb\rc\nd</body></message>',
       [stanza('<message xmlns="jabber:client"><body>a&#10;b&#10;c&#10;d</body></message>')]),
    ok('text-tab', 'TAB in text', XML_WF + ' section 2.2', r'<message><body>a\tb</body></message>',
       [stanza(r'<message xmlns="jabber:client"><body>a\tb</body></message>')]),
    no('text-fffe', 'U+FFFE (valid UTF-8, not an XML character) in text', XML_WF + ' section 2.2',
       r'<message><body>a\u{FFFE}</body></message>', 'not-well-formed', r'\u{FFFE}'),
    no('text-ffff', 'U+FFFF in text', XML_WF + ' section 2.2',
       r'<message><body>a\u{FFFF}</body></message>', 'not-well-formed', r'\u{FFFF}'),
    ok('text-fffd', 'U+FFFD is an XML character', XML_WF + ' section 2.2',
       r'<message><body>\u{FFFD}</body></message>', [stanza(r'<message xmlns="jabber:client"><body>\u{FFFD}</body></message>')]),
    ok('text-noncharacter-fdd0', 'U+FDD0 (a Unicode noncharacter) is an XML 1.0 character', XML_WF + ' section 2.2',
       r'<message><body>\u{FDD0}</body></message>', [stanza(r'<message xmlns="jabber:client"><body>\u{FDD0}</body></message>')]),
    ok('text-max-code-point', 'U+10FFFF in text', XML_WF + ' section 2.2',
       r'<message><body>\u{10FFFF}</body></message>', [stanza(r'<message xmlns="jabber:client"><body>\u{10FFFF}</body></message>')]),
]

for cp in (0x01, 0x08, 0x0B, 0x0C, 0x1F):
    wf_chars.append(no('text-control-%02x' % cp, 'the control character U+%04X in text' % cp, XML_WF + ' section 2.2',
                       r'<message><body>a\x%02Xb</body></message>' % cp, 'not-well-formed', r'\x%02X' % cp))

for name, ref in (('nul', '&#0;'), ('control', '&#x1;'), ('surrogate', '&#xD800;'), ('fffe', '&#xFFFE;'),
                  ('beyond-10ffff', '&#x110000;'), ('huge', '&#99999999999999;')):
    wf_chars.append(no('char-ref-' + name, 'a character reference %s to a non-character' % ref, XML_WF + ' section 4.1 (legal character)',
                       '<message><body>a%sb</body></message>' % ref, 'not-well-formed', ref))
wf_chars += [
    no('char-ref-uppercase-x', "'&#X3C;': the hex marker must be a lower-case x", XML_WF + ' section 4.1 [66]',
       '<message><body>&#X3C;</body></message>', 'not-well-formed', 'X3C'),
    no('char-ref-empty', "'&#;'", XML_WF + ' section 4.1 [66]', '<message><body>&#;</body></message>', 'not-well-formed', '&#;'),
    no('char-ref-hex-empty', "'&#x;'", XML_WF + ' section 4.1 [66]', '<message><body>&#x;</body></message>', 'not-well-formed', '&#x;'),
]

# ---------------------------------------------------------------------------
# utf8-encoding: RFC 6120 section 11.6 and RFC 3629.

R3629 = 'RFC 3629 section 3; ' + R6120_11_6
bad_sequences = [
    ('overlong-2-byte-slash', r'\xC0\xAF', "an overlong two-byte '/'"),
    ('overlong-2-byte-lt', r'\xC0\xBC', "an overlong two-byte '<'"),
    ('overlong-nul', r'\xC0\x80', 'an overlong NUL (modified UTF-8)'),
    ('overlong-c1-lead', r'\xC1\xBF', 'an overlong form with lead byte C1'),
    ('overlong-3-byte', r'\xE0\x80\xAF', "an overlong three-byte '/'"),
    ('overlong-3-byte-max', r'\xE0\x9F\xBF', 'the largest overlong three-byte form'),
    ('overlong-4-byte', r'\xF0\x80\x80\xAF', "an overlong four-byte '/'"),
    ('overlong-4-byte-max', r'\xF0\x8F\xBF\xBF', 'the largest overlong four-byte form'),
    ('surrogate-high', r'\xED\xA0\x80', 'the encoded high surrogate U+D800'),
    ('surrogate-low', r'\xED\xBF\xBF', 'the encoded low surrogate U+DFFF'),
    ('surrogate-pair-cesu8', r'\xED\xA0\xBD\xED\xB8\x80', 'a surrogate pair encoded separately (CESU-8)'),
    ('above-10ffff', r'\xF4\x90\x80\x80', 'U+110000, above the Unicode range'),
    ('lead-f5', r'\xF5\x80\x80\x80', 'the lead byte F5'),
    ('lead-f8-five-byte', r'\xF8\x88\x80\x80\x80', 'an old five-byte form'),
    ('lead-fc-six-byte', r'\xFC\x84\x80\x80\x80\x80', 'an old six-byte form'),
    ('byte-fe', r'\xFE', 'the byte FE'),
    ('byte-ff', r'\xFF', 'the byte FF'),
    ('lone-continuation', r'\x80', 'a continuation byte with no lead byte'),
    ('continuation-run', r'\xBF\xBF', 'two continuation bytes with no lead byte'),
    ('truncated-2-byte', r'\xC3a', 'a two-byte lead byte followed by ASCII'),
    ('truncated-3-byte', r'\xE2\x82a', 'a three-byte sequence cut after two bytes'),
    ('truncated-4-byte', r'\xF0\x9F\x98a', 'a four-byte sequence cut after three bytes'),
    ('lead-then-lead', r'\xC3\xC3\xA9', 'a lead byte followed by another lead byte'),
]
utf8_text = []
for name, seq, what in bad_sequences:
    utf8_text.append(no(name, what + ' in message body text', R3629,
                        '<message><body>a%sb</body></message>' % seq, 'unsupported-encoding', seq))
utf8_places = [
    no('invalid-in-attribute-value', 'an overlong sequence in an attribute value', R3629,
       r"<message id='a\xC0\xAF'/>", 'unsupported-encoding', r'\xC0'),
    no('invalid-in-element-name', 'a truncated sequence in an element name', R3629,
       r'<mess\xC3age/>', 'unsupported-encoding', r'\xC3'),
    no('invalid-in-attribute-name', 'a surrogate in an attribute name', R3629,
       r"<message i\xED\xA0\x80d='x'/>", 'unsupported-encoding', r'\xED'),
    no('invalid-between-stanzas', 'an invalid byte between stanzas', R3629,
       r'<message/>\xFF<presence/>', 'unsupported-encoding', r'\xFF'),
    no('invalid-in-header', 'an invalid byte in a stream header attribute', R3629,
       header(r"to='local\xC0\xAFhost' version='1.0'"), 'unsupported-encoding', r'\xC0', profile='raw'),
    no('invalid-in-cdata', 'an invalid sequence inside CDATA', R3629,
       r'<message><body><![CDATA[a\xED\xA0\x80]]></body></message>', 'unsupported-encoding', r'\xED'),
    no('truncated-before-lt', 'a lead byte just before an end tag', R3629,
       r'<message><body>a\xC3</body></message>', 'unsupported-encoding', r'\xC3'),
    ok('truncated-at-end-of-input', 'a sequence cut by the end of the input is not an error yet', R3629,
       r'<message><body>a\xE2\x82', [], live=NOT_LIVE_PARTIAL),
    ok('valid-multibyte', 'valid two-, three- and four-byte characters in text and attributes', R3629,
       r"<message id='\u{E9}\u{20AC}\u{1F600}'><body>\u{E9}\u{20AC}\u{1F600}</body></message>",
       [stanza(r'<message xmlns="jabber:client" id="\u{E9}\u{20AC}\u{1F600}"><body>\u{E9}\u{20AC}\u{1F600}</body></message>')]),
    ok('bom-before-xml-declaration', 'a UTF-8 byte order mark before the XML declaration', XML_WF + ' section 4.3.3; ' + R6120_11_6,
       r'\xEF\xBB\xBF' + H, [OPEN], profile='raw'),
    no('bom-twice', 'two byte order marks', XML_WF + ' section 4.3.3', r'\xEF\xBB\xBF\xEF\xBB\xBF' + H,
       'not-well-formed', 3, profile='raw'),
    no('bom-after-xml-declaration', 'a byte order mark after the XML declaration', XML_WF + ' section 4.3.3',
       r"<?xml version='1.0'?>\xEF\xBB\xBF" + H_NODECL, 'not-well-formed', r'\xEF', profile='raw'),
    no('bom-between-stanzas', 'U+FEFF between stanzas is character data, not whitespace', 'RFC 6120 4.7 and 11.6',
       r'<message/>\xEF\xBB\xBF<presence/>', 'bad-format', r'\xEF'),
    ok('bom-in-text', 'U+FEFF inside text is an ordinary character', R6120_11_6,
       r'<message><body>\xEF\xBB\xBF</body></message>',
       [stanza(r'<message xmlns="jabber:client"><body>\xEF\xBB\xBF</body></message>')]),
    no('utf16le-with-bom', 'UTF-16LE with a byte order mark', R6120_11_6,
       r"\xFF\xFE<\x00?\x00x\x00m\x00l\x00", 'unsupported-encoding', 0, profile='raw'),
    no('utf16be-with-bom', 'UTF-16BE with a byte order mark', R6120_11_6,
       r"\xFE\xFF\x00<\x00?\x00x\x00m\x00l", 'unsupported-encoding', 0, profile='raw'),
    no('utf16le-without-bom', 'UTF-16LE without a byte order mark', R6120_11_6,
       r"<\x00?\x00x\x00m\x00l\x00", 'unsupported-encoding', 1, profile='raw'),
    no('utf16be-without-bom', 'UTF-16BE without a byte order mark', R6120_11_6,
       r"\x00<\x00?\x00x\x00m\x00l", 'unsupported-encoding', 0, profile='raw'),
    no('utf32-with-bom', 'UTF-32BE with a byte order mark', R6120_11_6,
       r"\x00\x00\xFE\xFF\x00\x00\x00<", 'unsupported-encoding', 0, profile='raw'),
    no('utf16-stream-after-utf8-header', 'a stanza in UTF-16LE after a UTF-8 header', R6120_11_6,
       r"<\x00m\x00/\x00>\x00", 'not-well-formed', r'\x00'),
]
for name, enc in (('iso-8859-1', 'ISO-8859-1'), ('us-ascii', 'US-ASCII'), ('utf-16', 'UTF-16'),
                  ('windows-1252', 'windows-1252'), ('utf8-without-hyphen', 'UTF8'), ('ebcdic', 'EBCDIC-US')):
    utf8_places.append(no('declared-' + name, 'an XML declaration naming the encoding %s' % enc, R6120_11_6,
                          "<?xml version='1.0' encoding='%s'?>%s" % (enc, H_NODECL), 'unsupported-encoding', enc,
                          profile='raw'))
utf8_places += [
    ok('declared-utf8-lowercase', "encoding='utf-8' in lower case", XML_WF + ' section 4.3.3 (names are case-insensitive)',
       "<?xml version='1.0' encoding='utf-8'?>" + H_NODECL, [OPEN], profile='raw'),
    ok('declared-utf8-standalone', "encoding='UTF-8' with standalone='yes'", XML_WF + ' section 2.9',
       "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>" + H_NODECL, [OPEN], profile='raw'),
]

# ---------------------------------------------------------------------------
# namespaces: Namespaces in XML 1.0 and RFC 6120 section 4.8.

R4_8 = 'RFC 6120 section 4.8'
ns_prefixes = [
    no('unbound-element-prefix', 'an element with an undeclared prefix', NS10 + ' section 5 (prefix declared)',
       '<message><foo:x/></message>', 'bad-namespace-prefix', '<foo'),
    no('unbound-stanza-prefix', 'a stanza with an undeclared prefix', NS10 + ' section 5',
       '<foo:message/>', 'bad-namespace-prefix', '<foo'),
    no('unbound-attribute-prefix', 'an attribute with an undeclared prefix', NS10 + ' section 5',
       "<message foo:bar='1'/>", 'bad-namespace-prefix', 'foo:bar'),
    no('prefix-out-of-scope', "a prefix declared on a sibling is not in scope", NS10 + ' section 6.1',
       "<message><a xmlns:p='urn:p'/><p:b/></message>", 'bad-namespace-prefix', '<p:b'),
    ok('prefix-scope-nested', 'a prefix redeclared on a child binds a new namespace there', NS10 + ' section 6.1',
       "<message xmlns:p='urn:a'><p:x xmlns:p='urn:b'/><p:y/></message>",
       [stanza('<message xmlns="jabber:client"><x xmlns="urn:b"/><y xmlns="urn:a"/></message>')]),
    ok('prefixed-content-namespace', 'a stanza whose jabber:client namespace comes from a prefix', NS10 + '; ' + R4_8 + '.5',
       "<c:message xmlns:c='jabber:client' type='chat'><c:body>a</c:body></c:message>",
       [stanza('<message xmlns="jabber:client" type="chat"><body>a</body></message>')],
       acceptable=[('refused invalid-namespace', 'RFC 6120 4.8.5 asks for the content namespace as the default '
                    'namespace; a server may refuse a prefixed stanza'),
                   ('refused bad-namespace-prefix', 'RFC 6120 4.8.5: some servers refuse any content prefix')]),
    no('prefix-undeclared-empty', "undeclaring a prefix with xmlns:p=''", NS10 + ' section 5 (no prefix undeclaring)',
       "<message xmlns:p=''/>", 'bad-namespace-prefix', 'xmlns:p'),
    ok('xml-prefix-without-declaration', 'xml:lang needs no declaration', NS10 + ' section 3',
       "<message xml:lang='fr'><body xml:lang='de'>a</body></message>",
       [stanza('<message xmlns="jabber:client" xml:lang="fr"><body xml:lang="de">a</body></message>')]),
    ok('xml-prefix-declared-correctly', 'declaring xml to its own namespace is allowed', NS10 + ' section 3',
       "<message xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='fr'/>",
       [stanza('<message xmlns="jabber:client" xml:lang="fr"/>')]),
    no('xml-prefix-rebound', 'binding xml to another namespace', NS10 + ' section 3 (reserved prefixes)',
       "<message xmlns:xml='urn:x'/>", 'bad-namespace-prefix', 'xmlns:xml'),
    no('xml-namespace-other-prefix', 'binding another prefix to the XML namespace', NS10 + ' section 3',
       "<message xmlns:foo='http://www.w3.org/XML/1998/namespace'/>", 'bad-namespace-prefix', 'xmlns:foo'),
    no('xml-namespace-as-default', 'the XML namespace as the default namespace', NS10 + ' section 3',
       "<message><x xmlns='http://www.w3.org/XML/1998/namespace'/></message>", 'bad-namespace-prefix', "xmlns="),
    no('xmlns-prefix-declared', 'declaring the xmlns prefix', NS10 + ' section 3',
       "<message xmlns:xmlns='urn:x'/>", 'bad-namespace-prefix', 'xmlns:xmlns'),
    no('xmlns-namespace-bound', 'binding a prefix to the xmlns namespace', NS10 + ' section 3',
       "<message xmlns:p='http://www.w3.org/2000/xmlns/'/>", 'bad-namespace-prefix', 'xmlns:p'),
    no('element-with-xmlns-prefix', 'an element using the xmlns prefix', NS10 + ' section 3',
       '<message><xmlns:x/></message>', 'bad-namespace-prefix', '<xmlns'),
    no('attribute-prefix-empty-local', "an attribute named 'xmlns:'", NS10 + ' section 3 (QName)',
       "<message xmlns:='urn:x'/>", 'not-well-formed', 'xmlns:'),
]

ns_defaults = [
    no('stanza-no-namespace', "a stanza with xmlns=''", R4_8 + '.3; RFC 6120 4.9.3.10',
       "<message xmlns=''/>", 'invalid-namespace', '<message'),
    no('stanza-server-namespace-in-client-stream', 'a jabber:server stanza in a jabber:client stream', R4_8 + '.2',
       "<message xmlns='jabber:server'/>", 'invalid-namespace', '<message'),
    ok('stanza-unknown-namespace', 'a top-level <message/> in an unknown namespace is an extension element to the reference',
       R4_8 + '.3; RFC 6120 4.9.3.22', "<message xmlns='urn:xmppfuzz:other'/>",
       [stanza('<message xmlns="urn:xmppfuzz:other"/>')],
       acceptable=[('refused unsupported-stanza-type', 'RFC 6120 4.9.3.22: a server may refuse a first-level element '
                    'it does not support')]),
    ok('content-namespace-case', "'Jabber:Client': namespace names compare case-sensitively, so this is no stanza",
       NS10 + ' section 2.3', "<message xmlns='Jabber:Client'/>", [stanza('<message xmlns="Jabber:Client"/>')],
       acceptable=[('refused unsupported-stanza-type', 'RFC 6120 4.9.3.22 for an unknown first-level element'),
                   ('refused invalid-namespace', 'RFC 6120 4.9.3.10 also fits a near-miss content namespace')]),
    ok('content-namespace-trailing-space', "'jabber:client ' with a trailing space is another namespace",
       NS10 + ' section 2.3', "<message xmlns='jabber:client '/>", [stanza('<message xmlns="jabber:client "/>')],
       acceptable=[('refused unsupported-stanza-type', 'RFC 6120 4.9.3.22 for an unknown first-level element'),
                   ('refused invalid-namespace', 'RFC 6120 4.9.3.10 also fits a near-miss content namespace')]),
    ok('content-namespace-char-ref', "'jabber&#58;client' is jabber:client after reference replacement", NS10 + ' section 2.3',
       "<message xmlns='jabber&#58;client' type='chat'/>", [stanza('<message xmlns="jabber:client" type="chat"/>')]),
    ok('child-default-undeclared', "a child undeclaring the default namespace (xmlns='') is in no namespace",
       NS10 + ' section 6.2', "<message><x xmlns=''/></message>",
       [stanza('<message xmlns="jabber:client"><x xmlns=""/></message>')]),
    ok('namespaced-to-is-not-to', "a to attribute in the jabber:client namespace is not the stanza's to", NS10 + ' section 6.3; RFC 6120 8.1.1',
       "<message xmlns:c='jabber:client' c:to='victim@localhost'/>",
       [stanza('<message xmlns="jabber:client" xmlns:n0="jabber:client" n0:to="victim@localhost"/>')]),
    ok('stream-prefix-rebound-in-stanza', "the stream prefix rebound inside a stanza: <stream:error/> there is not a stream error",
       NS10 + ' section 6.1; ' + R4_8 + '.5', "<message xmlns:stream='urn:xmppfuzz:x'><stream:error/></message>",
       [stanza('<message xmlns="jabber:client"><error xmlns="urn:xmppfuzz:x"/></message>')]),
    ok('stream-prefix-rebound-top-level', "a top-level <stream:error/> whose prefix is rebound is an extension element",
       NS10 + ' section 6.1; ' + R4_8 + '.5', "<stream:error xmlns:stream='urn:xmppfuzz:x'/><presence/>",
       [stanza('<error xmlns="urn:xmppfuzz:x"/>'), PRES],
       acceptable=[('refused unsupported-stanza-type', 'RFC 6120 4.9.3.22 for an unknown first-level element')]),
    ok('stream-prefix-on-message', "<stream:message/> with stream bound to jabber:client is a message", NS10 + ' section 6.1',
       "<stream:message xmlns:stream='jabber:client' type='chat'/>", [stanza('<message xmlns="jabber:client" type="chat"/>')],
       acceptable=[('refused bad-namespace-prefix', 'RFC 6120 4.8.5: servers may insist on the stream prefix for the '
                    'streams namespace only')]),
    ok('streams-namespace-child-in-stanza', 'an element in the streams namespace nested in a stanza', R4_8 + '.1',
       "<message><stream:error><x xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></message>",
       [stanza('<message xmlns="jabber:client"><error xmlns="http://etherx.jabber.org/streams">'
               '<x xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></error></message>')]),
    no('streams-namespace-unknown-top-level', 'an unknown top-level element in the streams namespace', R4_8 + '.1; RFC 6120 4.9.3.22',
       '<stream:foo/>', 'unsupported-stanza-type', '<stream:foo'),
]

SEP = 'CVE-2022-25236 (Expat namespace separator injection)'
ns_separators = [
    no('namespace-name-with-separator-byte', "a namespace name containing U+0001, the reference's Expat separator",
       SEP + '; ' + XML_WF + ' section 2.2', r"<message><x xmlns='urn:a\x01y'/></message>", 'not-well-formed', r'\x01'),
    no('namespace-name-with-separator-ref', 'the separator U+0001 written as a character reference', SEP,
       "<message><x xmlns='urn:a&#x1;y'/></message>", 'not-well-formed', '&#x1;'),
    ok('namespace-name-with-space', "a namespace name containing ' ' (a separator some applications give Expat)", SEP,
       "<message><x xmlns='http://etherx.jabber.org/streams error'/></message>",
       [stanza('<message xmlns="jabber:client"><x xmlns="http://etherx.jabber.org/streams error"/></message>')]),
    ok('namespace-name-with-pipe', "a namespace name containing '|'", SEP,
       "<message><x xmlns='urn:a|y'/></message>", [stanza('<message xmlns="jabber:client"><x xmlns="urn:a|y"/></message>')]),
    ok('namespace-name-with-newline-ref', 'a namespace name containing LF through &#10;', SEP,
       "<message><x xmlns='urn:a&#10;y'/></message>", [stanza('<message xmlns="jabber:client"><x xmlns="urn:a&#10;y"/></message>')]),
    ok('namespace-name-separator-then-name', "a prefixed element whose namespace ends in ' body'", SEP,
       "<message xmlns:p='jabber:client body'><p:x/></message>",
       [stanza('<message xmlns="jabber:client"><x xmlns="jabber:client body"/></message>')]),
    ok('top-level-namespace-with-space', "a top-level element in 'jabber:client message'", SEP,
       "<x xmlns='jabber:client message'/>", [stanza('<x xmlns="jabber:client message"/>')],
       acceptable=[('refused unsupported-stanza-type', 'RFC 6120 4.9.3.22 for an unknown first-level element')]),
    no('namespace-name-ffff', 'a namespace name with U+FFFF (a separator choice that is not a character)', SEP,
       r"<message><x xmlns='urn:a\u{FFFF}'/></message>", 'not-well-formed', r'\u{FFFF}'),
]

# ---------------------------------------------------------------------------
# stream-lifecycle: RFC 6120 section 4 (headers, restarts, whitespace, close).

R4_7 = 'RFC 6120 section 4.7'
headers = [
    ok('header-minimal', 'the standard header with an XML declaration', R4_7, H, [OPEN], profile='raw'),
    ok('header-without-xml-declaration', 'a header with no XML declaration', R4_7 + '; XML 1.0 section 2.8', H_NODECL,
       [OPEN], profile='raw'),
    ok('header-xml-lang', 'a header with xml:lang', R4_7 + '.4', header("to='localhost' version='1.0' xml:lang='en'"),
       [opened('to="localhost" version="1.0" xml:lang="en"')], profile='raw'),
    ok('header-from-client', "a header with the client's bare JID in from", R4_7 + '.1',
       header("from='user@localhost' to='localhost' version='1.0'"),
       [opened('from="user@localhost" to="localhost" version="1.0"')], profile='raw'),
    ok('header-other-stream-prefix', "the streams namespace under the prefix 's'", R4_7 + '; ' + NS10,
       "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams' to='localhost' version='1.0'>",
       [OPEN], profile='raw',
       acceptable=[('refused bad-namespace-prefix', 'RFC 6120 4.8.5 asks for the stream prefix; a server may insist')]),
    ok('header-multiline', 'a header with attributes on several lines', R4_7,
       "<?xml version='1.0'?>\n<stream:stream\n  xmlns='jabber:client'\n  xmlns:stream='http://etherx.jabber.org/streams'\n  to='localhost'\n  version='1.0'>",
       [OPEN], profile='raw'),
    no('header-version-missing', 'a header without a version (a pre-RFC 3920 peer)', R4_7 + '.5',
       header("to='localhost'"), 'unsupported-version', '<stream', profile='raw',
       acceptable=[('accepted', 'RFC 6120 4.7.5 lets a server treat a missing version as 0.9 and carry on')]),
    no('header-version-0.9', "version='0.9'", R4_7 + '.5', header("to='localhost' version='0.9'"),
       'unsupported-version', '<stream', profile='raw',
       acceptable=[('accepted', 'RFC 6120 4.7.5 lets a server fall back to an older version')]),
    no('header-version-2.0', "version='2.0'", R4_7 + '.5; RFC 6120 4.9.3.25', header("to='localhost' version='2.0'"),
       'unsupported-version', '<stream', profile='raw'),
    ok('header-version-1.1', "version='1.1': same major version", R4_7 + '.5', header("to='localhost' version='1.1'"),
       [opened('to="localhost" version="1.1"')], profile='raw'),
    ok('header-version-leading-zeros', "version='01.00': leading zeros are ignored", R4_7 + '.5',
       header("to='localhost' version='01.00'"), [opened('to="localhost" version="01.00"')], profile='raw'),
    no('header-version-no-minor', "version='1'", R4_7 + '.5', header("to='localhost' version='1'"),
       'unsupported-version', '<stream', profile='raw'),
    no('header-version-text', "version='one'", R4_7 + '.5', header("to='localhost' version='one'"),
       'unsupported-version', '<stream', profile='raw'),
    ok('header-to-missing', 'a header without to', R4_7 + '.2', header("version='1.0'"), [opened('version="1.0"')],
       profile='raw', acceptable=[('refused host-unknown', 'RFC 6120 4.7.2: a server may require to'),
                                  ('refused improper-addressing', 'RFC 6120 4.9.3.7 names a missing to')]),
    ok('header-to-unknown-domain', 'a header to a domain this server does not serve', R4_7 + '.2; RFC 6120 4.9.3.6',
       header("to='unknown.invalid' version='1.0'"), [opened('to="unknown.invalid" version="1.0"')], profile='raw',
       acceptable=[('refused host-unknown', 'the reference serves every domain; a real server only its own')]),
    no('header-to-invalid-jid', "a header whose to is not a JID ('a@b@c')", R4_7 + '.2; RFC 7622',
       header("to='a@b@c' version='1.0'"), 'host-unknown', '<stream', profile='raw',
       acceptable=[('refused improper-addressing', 'RFC 6120 4.9.3.7 also fits a malformed to')]),
    no('header-from-invalid-jid', "a header whose from is not a JID", R4_7 + '.1; RFC 6120 4.9.3.9',
       header("from='@localhost' to='localhost' version='1.0'"), 'invalid-from', '<stream', profile='raw'),
    no('header-wrong-namespace', 'the stream element in the wrong namespace', R4_7 + '; RFC 6120 4.9.3.10',
       header(ns="xmlns='jabber:client' xmlns:stream='urn:xmppfuzz:not-streams'"), 'invalid-namespace', '<stream',
       profile='raw'),
    no('header-no-content-namespace', 'a header without a default (content) namespace', R4_8 + '.2; RFC 6120 4.9.3.10',
       header(ns="xmlns:stream='http://etherx.jabber.org/streams'"), 'invalid-namespace', '<stream', profile='raw'),
    no('header-unknown-content-namespace', "a content namespace other than jabber:client or jabber:server", R4_8 + '.2',
       header(ns="xmlns='urn:xmppfuzz:other' xmlns:stream='http://etherx.jabber.org/streams'"), 'invalid-namespace',
       '<stream', profile='raw'),
    no('header-unprefixed-streams-default', 'an unprefixed stream element whose default namespace is the streams namespace',
       R4_8 + '.2', "<stream xmlns='http://etherx.jabber.org/streams' to='localhost' version='1.0'>",
       'invalid-namespace', 0, profile='raw'),
    no('header-wrong-element', 'a root element other than stream', R4_7 + '; RFC 6120 4.9.3.1',
       header(name='stream:streem'), 'bad-format', '<stream', profile='raw',
       acceptable=[('refused invalid-namespace', 'some servers report any unexpected root element this way')]),
    ok('header-content-namespace-server', 'a header declaring jabber:server', R4_8 + '.2',
       header(ns="xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"),
       ['stream-open <stream:stream xmlns:stream="http://etherx.jabber.org/streams" xmlns="jabber:server" '
        'to="localhost" version="1.0">'], profile='raw',
       acceptable=[('refused invalid-namespace', 'a client-to-server port may serve jabber:client only')]),
    ok('header-self-closing', 'a header written as an empty element opens and closes the stream', R4_7 + '; RFC 6120 4.4',
       header("to='localhost' version='1.0'/"), [opened('to="localhost" version="1.0"'), 'stream-close'],
       profile='raw', acceptable=[CLOSE_AFTER]),
    ok('xml-declaration-version-1.1', "an XML declaration with version='1.1' is read as XML 1.0", XML_WF + ' section 2.8',
       "<?xml version='1.1'?>" + H_NODECL, [OPEN], profile='raw',
       acceptable=[('refused not-well-formed', 'XMPP is XML 1.0 (RFC 6120 11); a server may refuse 1.1 outright')]),
    no('xml-declaration-version-2.0', "an XML declaration with version='2.0'", XML_WF + ' section 2.8 [26]',
       "<?xml version='2.0'?>" + H_NODECL, 'not-well-formed', '2.0', profile='raw'),
    ok('xml-declaration-version-1.00', "an XML declaration with version='1.00' (VersionNum '1.' [0-9]+) is read as XML 1.0",
       XML_WF + ' section 2.8 [26]', "<?xml version='1.00'?>" + H_NODECL, [OPEN], profile='raw',
       acceptable=[('refused not-well-formed', 'XMPP is XML 1.0 (RFC 6120 11); a server may refuse any other version')]),
    no('xml-declaration-version-no-minor', "an XML declaration with version='1.' (no digit after the dot)",
       XML_WF + ' section 2.8 [26]', "<?xml version='1.'?>" + H_NODECL, 'not-well-formed', "1.'", profile='raw'),
    no('root-message-element', 'a <message/> in jabber:client as the root element instead of a stream header',
       R4_7 + '; RFC 6120 4.8.1 and 4.9.3.10', "<?xml version='1.0'?><message xmlns='jabber:client'/>",
       'invalid-namespace', '<message', profile='raw',
       acceptable=[('refused bad-format', 'RFC 6120 4.9.3.1: the root element cannot be processed as a stream'),
                   ('refused invalid-xml', 'a server may report an unexpected root element as invalid XML')]),
    no('xml-declaration-without-version', 'an XML declaration without a version', XML_WF + ' section 2.8 [23]',
       "<?xml encoding='UTF-8'?>" + H_NODECL, 'not-well-formed', 0, profile='raw'),
    no('xml-declaration-bad-standalone', "standalone='maybe'", XML_WF + ' section 2.9 [32]',
       "<?xml version='1.0' standalone='maybe'?>" + H_NODECL, 'not-well-formed', 'maybe', profile='raw'),
    no('xml-declaration-after-whitespace', 'whitespace before the XML declaration', XML_WF + ' section 2.8 [22]',
       " <?xml version='1.0'?>" + H_NODECL, 'restricted-xml', 1, profile='raw',
       acceptable=[('refused not-well-formed', 'XML 1.0 2.8: a misplaced declaration is a well-formedness error; '
                    'either condition names the fault')]),
    no('text-before-header', 'character data before the stream header', XML_WF + ' section 2.1',
       'hello' + H_NODECL, 'not-well-formed', 0, profile='raw'),
]

lifecycle = [
    ok('whitespace-keepalives', 'whitespace keepalives between stanzas', 'RFC 6120 section 4.6.1',
       '<message/> \n\t\r\n <presence/> ', [MSG, PRES]),
    ok('whitespace-only', 'nothing but a whitespace keepalive', 'RFC 6120 section 4.6.1', '   ', []),
    no('text-between-stanzas', 'character data between stanzas', 'RFC 6120 section 4.7 (stream content)',
       '<message/>x<presence/>', 'bad-format', 'x<'),
    no('char-ref-space-between-stanzas', "'&#32;' between stanzas: a space, but written as a reference",
       'RFC 6120 section 4.7', '<message/>&#32;<presence/>', 'bad-format', '&#32;',
       acceptable=[('accepted', 'a space between stanzas is harmless once the reference is replaced')]),
    no('predefined-entity-between-stanzas', "'&amp;' between stanzas", 'RFC 6120 section 4.7', '<message/>&amp;',
       'bad-format', '&amp;'),
    no('cdata-between-stanzas', 'a CDATA section between stanzas', 'RFC 6120 section 4.7',
       '<message/><![CDATA[x]]>', 'bad-format', '<!['),
    ok('stream-close', 'closing the stream after a stanza', 'RFC 6120 section 4.4',
       '<message/></stream:stream>', [MSG, 'stream-close']),
    ok('stream-close-then-whitespace', 'whitespace after the closing tag', 'RFC 6120 section 4.4; XML 1.0 section 2.8 [27]',
       '</stream:stream>\n  \n', ['stream-close']),
    no('content-after-close', 'a stanza after the stream was closed', 'RFC 6120 section 4.4',
       '</stream:stream><message/>', 'not-well-formed', '<message', acceptable=[CLOSE_AFTER]),
    no('text-after-close', 'text after the stream was closed', 'RFC 6120 section 4.4',
       '</stream:stream>x', 'not-well-formed', 'x', acceptable=[CLOSE_AFTER]),
    no('close-with-other-prefix', "'</s:stream>' closing a header opened as stream:stream", NS10 + '; XML 1.0 section 3',
       '</s:stream>', 'not-well-formed', 0),
    no('close-wrong-name', "'</stream:streams>'", XML_WF + ' section 3', '</stream:streams>', 'not-well-formed', 0),
    no('close-inside-stanza', "'</stream:stream>' while a stanza is open", XML_WF + ' section 3',
       '<message><body>a</stream:stream>', 'not-well-formed', '</stream'),
    ok('client-stream-error', 'a client ending the stream with a stream error', 'RFC 6120 section 4.9',
       "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
       [stanza('<error xmlns="http://etherx.jabber.org/streams"><undefined-condition '
               'xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></error>'), 'stream-close']),
    no('client-sends-features', 'a client sending <stream:features/>', 'RFC 6120 section 4.3.2; RFC 6120 4.9.3.22',
       '<stream:features/>', 'unsupported-stanza-type', 0),
    no('second-header-without-restart', 'a second stream header with no restart due', 'RFC 6120 section 4.3.3',
       [H_NODECL, '</stream:stream>'], 'unsupported-stanza-type', 0,
       acceptable=[('refused bad-format', 'a nested stream header is unprocessable XMPP (RFC 6120 4.9.3.1)'),
                   ('refused not-well-formed', 'some servers read the stray header as malformed'),
                   ('closed', 'the trailing </stream:stream> may read as the close of the first stream')]),
    no('second-header-unclosed', 'a second stream header with no restart due, never closed', 'RFC 6120 section 4.3.3',
       ['<message/>', H_NODECL], 'unsupported-stanza-type', 10,
       events=[stanza('<message xmlns="jabber:client"/>')],
       acceptable=[('refused bad-format', 'a nested stream header is unprocessable XMPP (RFC 6120 4.9.3.1)'),
                   ('refused not-well-formed', 'some servers read the stray header as malformed')]),
    ok('restart-after-sasl', 'a stream restart after a SASL exchange', 'RFC 6120 section 6.4.6 and 4.3.3',
       ["<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHVzZXIAcGFzcw==</auth>", H],
       [stanza('<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AHVzZXIAcGFzcw==</auth>'), OPEN],
       profile='opened', live=NOT_LIVE_LOGIN),
    ok('restart-after-sasl-without-declaration', 'a restart header without an XML declaration', 'RFC 6120 section 4.3.3',
       ["<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHVzZXIAcGFzcw==</auth>", H_NODECL,
        '<presence/>'],
       [stanza('<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AHVzZXIAcGFzcw==</auth>'), OPEN, PRES],
       profile='opened', live=NOT_LIVE_LOGIN),
    ok('server-features', 'a server sending stream features', 'RFC 6120 section 4.3.2',
       "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
       [stanza('<features xmlns="http://etherx.jabber.org/streams"><mechanisms xmlns="urn:ietf:params:xml:ns:xmpp-sasl">'
               '<mechanism>PLAIN</mechanism></mechanisms></features>')], side='s2c', profile='opened'),
    ok('server-success-then-restart', "a server's SASL success followed by its restart header", 'RFC 6120 section 6.4.6',
       ["<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "from='localhost' id='second' version='1.0'>"],
       [stanza('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>'),
        'stream-open <stream:stream xmlns:stream="http://etherx.jabber.org/streams" xmlns="jabber:client" '
        'from="localhost" id="second" version="1.0">'], side='s2c', profile='opened'),
    no('server-restart-without-success', 'a server sending a new header with no SASL success before it',
       'RFC 6120 section 4.3.3', ["<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                                  "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='x' version='1.0'>"],
       'restricted-xml', 0, side='s2c', profile='opened'),
    ok('server-stream-error', 'a server stream error and close', 'RFC 6120 section 4.9',
       "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
       [stanza('<error xmlns="http://etherx.jabber.org/streams"><system-shutdown '
               'xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></error>'), 'stream-close'], side='s2c', profile='opened'),
    ok('empty-input', 'no bytes at all', 'RFC 6120 section 4.2', '', [], profile='raw',
       live='a live run needs bytes to send'),
]

# ---------------------------------------------------------------------------
# stanza-semantics: RFC 6120 section 8 and RFC 6121.

R8 = 'RFC 6120 section 8'
LENIENT_TYPE = ('accepted', 'RFC 6121 5.2.2: a message with an unknown type is handled as type normal')
stanza_types = []
for t in ('chat', 'error', 'groupchat', 'headline', 'normal'):
    body = "<error type='cancel'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>" if t == 'error' else '<body>hi</body>'
    cbody = ('<error type="cancel"><undefined-condition xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>'
             if t == 'error' else '<body>hi</body>')
    stanza_types.append(ok('message-type-' + t, "a message of type '%s'" % t, 'RFC 6121 section 5.2.2',
                           "<message type='%s' to='nobody@localhost'>%s</message>" % (t, body),
                           [stanza('<message xmlns="jabber:client" to="nobody@localhost" type="%s">%s</message>' % (t, cbody))]))
stanza_types += [
    ok('message-no-type', 'a message without a type', 'RFC 6121 section 5.2.2',
       "<message to='nobody@localhost'><body>hi</body></message>",
       [stanza('<message xmlns="jabber:client" to="nobody@localhost"><body>hi</body></message>')]),
    no('message-type-unknown', "a message of type 'bogus'", 'RFC 6121 section 5.2.2',
       "<message type='bogus' to='nobody@localhost'/>", 'bad-format', 0, acceptable=[LENIENT_TYPE, BOUNCE]),
    no('message-type-empty', "a message with type=''", 'RFC 6121 section 5.2.2',
       "<message type='' to='nobody@localhost'/>", 'bad-format', 0, acceptable=[LENIENT_TYPE, BOUNCE]),
    no('message-type-uppercase', "type='Chat': types are case-sensitive", 'RFC 6121 section 5.2.2',
       "<message type='Chat' to='nobody@localhost'/>", 'bad-format', 0, acceptable=[LENIENT_TYPE, BOUNCE]),
]
for t in ('probe', 'subscribe', 'subscribed', 'unavailable', 'unsubscribe', 'unsubscribed'):
    stanza_types.append(ok('presence-type-' + t, "a presence of type '%s'" % t, 'RFC 6121 section 4.7.1',
                           "<presence type='%s' to='nobody@localhost'/>" % t,
                           [stanza('<presence xmlns="jabber:client" to="nobody@localhost" type="%s"/>' % t)]))
stanza_types += [
    ok('presence-available', 'initial presence with show, status and priority', 'RFC 6121 section 4.2 and 4.7.2',
       "<presence><show>away</show><status>out</status><priority>5</priority></presence>",
       [stanza('<presence xmlns="jabber:client"><show>away</show><status>out</status><priority>5</priority></presence>')]),
    no('presence-type-unknown', "a presence of type 'invisible'", 'RFC 6121 section 4.7.1',
       "<presence type='invisible'/>", 'bad-format', 0, acceptable=[BOUNCE]),
    ok('presence-type-error', 'a presence of type error', 'RFC 6121 section 4.7.1; RFC 6120 8.3',
       "<presence type='error' to='nobody@localhost'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
       [stanza('<presence xmlns="jabber:client" to="nobody@localhost" type="error"><error type="cancel"><gone '
               'xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></presence>')]),
    no('unknown-stanza-element', 'a first-level <foo/> in jabber:client', R8 + '; RFC 6120 4.9.3.22',
       '<foo/>', 'unsupported-stanza-type', 0),
    ok('extension-element-stream-management', 'a first-level element of an extension (XEP-0198 <r/>)',
       'RFC 6120 4.8.3; XEP-0198', "<r xmlns='urn:xmpp:sm:3'/>", [stanza('<r xmlns="urn:xmpp:sm:3"/>')],
       acceptable=[('refused unsupported-stanza-type', 'a server without stream management refuses <r/> '
                    '(RFC 6120 4.9.3.22)'),
                   ('refused unsupported-feature', 'XEP-0198 before enabling')]),
]

R8_2_3 = 'RFC 6120 section 8.2.3'
iq_rules = [
    ok('iq-get-one-child', 'an iq get with one child', R8_2_3,
       "<iq type='get' id='q1'><query xmlns='jabber:iq:version'/></iq>",
       [stanza('<iq xmlns="jabber:client" id="q1" type="get"><query xmlns="jabber:iq:version"/></iq>')]),
    ok('iq-set-one-child', 'an iq set with one child', R8_2_3,
       "<iq type='set' id='q2'><query xmlns='jabber:iq:private'><x xmlns='urn:xmppfuzz:x'/></query></iq>",
       [stanza('<iq xmlns="jabber:client" id="q2" type="set"><query xmlns="jabber:iq:private"><x xmlns="urn:xmppfuzz:x"/></query></iq>')]),
    ok('iq-result-empty', 'an iq result without a child', R8_2_3, "<iq type='result' id='q3'/>",
       [stanza('<iq xmlns="jabber:client" id="q3" type="result"/>')]),
    ok('iq-result-one-child', 'an iq result with one child', R8_2_3,
       "<iq type='result' id='q4'><query xmlns='jabber:iq:version'/></iq>",
       [stanza('<iq xmlns="jabber:client" id="q4" type="result"><query xmlns="jabber:iq:version"/></iq>')]),
    ok('iq-error', 'an iq error with an error child', R8_2_3 + '; RFC 6120 8.3',
       "<iq type='error' id='q5'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
       [stanza('<iq xmlns="jabber:client" id="q5" type="error"><error type="cancel"><item-not-found '
               'xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>')]),
    no('iq-result-two-children', 'an iq result with two children', R8_2_3, "<iq type='result' id='q6'><a xmlns='urn:x'/><b xmlns='urn:x'/></iq>",
       'bad-format', 0, acceptable=[BOUNCE, ('accepted', 'a server may ignore a stray result')]),
    no('iq-get-no-child', 'an iq get without a child', R8_2_3, "<iq type='get' id='q7'/>", 'bad-format', 0,
       acceptable=[BOUNCE]),
    no('iq-get-two-children', 'an iq get with two children', R8_2_3,
       "<iq type='get' id='q8'><query xmlns='jabber:iq:version'/><query xmlns='jabber:iq:last'/></iq>", 'bad-format', 0,
       acceptable=[BOUNCE]),
    no('iq-set-text-only', 'an iq set whose only content is text', R8_2_3, "<iq type='set' id='q9'>text</iq>",
       'bad-format', 0, acceptable=[BOUNCE]),
    no('iq-without-id', 'an iq without an id', R8_2_3 + '; RFC 6120 8.1.3',
       "<iq type='get'><query xmlns='jabber:iq:version'/></iq>", 'bad-format', 0, acceptable=[BOUNCE]),
    no('iq-without-type', 'an iq without a type', R8_2_3, "<iq id='q10'><query xmlns='jabber:iq:version'/></iq>",
       'bad-format', 0, acceptable=[BOUNCE]),
    no('iq-type-unknown', "an iq of type 'fetch'", R8_2_3, "<iq type='fetch' id='q11'><query xmlns='jabber:iq:version'/></iq>",
       'bad-format', 0, acceptable=[BOUNCE]),
    ok('iq-empty-id', "an iq with id='' (present, if empty)", R8_2_3 + '; RFC 6120 8.1.3',
       "<iq type='get' id=''><query xmlns='jabber:iq:version'/></iq>",
       [stanza('<iq xmlns="jabber:client" id="" type="get"><query xmlns="jabber:iq:version"/></iq>')],
       acceptable=[BOUNCE]),
    ok('iq-child-text-ignored', 'whitespace beside the one child of an iq get', R8_2_3,
       "<iq type='get' id='q12'>\n  <query xmlns='jabber:iq:version'/>\n</iq>",
       [stanza('<iq xmlns="jabber:client" id="q12" type="get">&#10;  <query xmlns="jabber:iq:version"/>&#10;</iq>')]),
]

R8_1 = 'RFC 6120 section 8.1.1 and 8.1.2; RFC 7622'
ADDR = ('stanza-error jid-malformed', 'RFC 6120 8.3.3.8: a server may bounce jid-malformed and keep the stream')
jids = [
    ok('to-bare-jid', 'a message to a bare JID', R8_1, "<message to='nobody@localhost'/>",
       [stanza('<message xmlns="jabber:client" to="nobody@localhost"/>')]),
    ok('to-full-jid', 'a message to a full JID', R8_1, "<message to='nobody@localhost/res'/>",
       [stanza('<message xmlns="jabber:client" to="nobody@localhost/res"/>')]),
    ok('to-domain-jid', 'an iq to the server domain', R8_1, "<iq type='get' id='d1' to='localhost'><query xmlns='jabber:iq:version'/></iq>",
       [stanza('<iq xmlns="jabber:client" id="d1" to="localhost" type="get"><query xmlns="jabber:iq:version"/></iq>')]),
    ok('to-resource-with-slash-and-at', "a resource containing '/' and '@'", 'RFC 7622 section 3.4',
       "<message to='nobody@localhost/a/b@c'/>", [stanza('<message xmlns="jabber:client" to="nobody@localhost/a/b@c"/>')]),
    ok('to-uppercase-domain', 'a JID with an upper-case domain', 'RFC 7622 section 3.2',
       "<message to='nobody@LOCALHOST'/>", [stanza('<message xmlns="jabber:client" to="nobody@LOCALHOST"/>')]),
    ok('to-ipv6-literal', 'a JID whose domain is an IPv6 literal', 'RFC 7622 section 3.2.1',
       "<message to='nobody@[::1]'/>", [stanza('<message xmlns="jabber:client" to="nobody@[::1]"/>')]),
    ok('from-spoofed', "a from naming another user (the server must not trust it)", 'RFC 6120 section 8.1.2.1',
       "<message from='admin@localhost' to='nobody@localhost'/>",
       [stanza('<message xmlns="jabber:client" from="admin@localhost" to="nobody@localhost"/>')],
       acceptable=[('refused invalid-from', 'RFC 6120 8.1.2.1 lets a server close the stream on a false from')]),
    no('from-invalid-jid', 'a from that is not a JID', R8_1, "<message from='a@b@c'/>", 'improper-addressing', 0,
       acceptable=[ADDR, ('refused invalid-from', 'RFC 6120 4.9.3.9 names a bad from'),
                   ('accepted', 'RFC 6120 8.1.2.1: a server stamps the from of a client\'s stanza itself, '
                    'so it may replace a bad one')]),
]
for name, to, what in (
        ('to-double-at', 'a@b@c', "two '@'"),
        ('to-empty', '', 'an empty to'),
        ('to-empty-localpart', '@localhost', 'an empty localpart'),
        ('to-empty-domain', 'nobody@', 'an empty domain'),
        ('to-empty-resource', 'nobody@localhost/', 'an empty resource'),
        ('to-localpart-quote', 'a&quot;b@localhost', "a '\"' in the localpart"),
        ('to-localpart-space', 'a b@localhost', 'a space in the localpart'),
        ('to-localpart-too-long', r'\repeat{1024}{l}@localhost', 'a localpart of 1024 bytes'),
        ('to-domain-too-long', r'\repeat{1024}{d}', 'a domain of 1024 bytes'),
        ('to-control-in-localpart', r'a\u{7F}b@localhost', 'a DEL in the localpart'),
        ('to-label-leading-hyphen', 'nobody@-localhost', 'a domain label starting with a hyphen'),
        ('to-trailing-cr-normalised', r'nobody@localhost\r', 'a trailing CR, normalised to a space'),
        ('to-newline-char-ref', 'nobody@localhost&#10;', 'a line feed written as a character reference'),
):
    jids.append(no(name, 'a message to a malformed JID: ' + what, R8_1, "<message to='%s'/>" % to,
                   'improper-addressing', 0, acceptable=[ADDR]))

# ---------------------------------------------------------------------------
# smuggling: bytes that different parsers split into different stanzas (the
# class of the 2022 Zoom XMPP stanza smuggling bugs, Project Zero issue 2254,
# CVE-2022-22784; and the Expat bugs CVE-2022-25235 / CVE-2022-25236).

ZOOM = 'CVE-2022-22784 (Zoom XMPP stanza smuggling, Project Zero issue 2254)'
V25235 = 'CVE-2022-25235 (Expat: malformed UTF-8 in names)'
VICTIM = "<message to='victim@localhost'><body>smuggled</body></message>"
smuggle_utf8 = [
    no('lead-byte-swallows-end-tag', 'a three-byte lead byte that a lenient decoder reads together with </',
       ZOOM, r'<message><body>a\xEB</body></message>' + VICTIM, 'unsupported-encoding', r'\xEB'),
    no('lead-byte-swallows-quote', "a lead byte before a closing quote hides the end of an attribute value",
       ZOOM, r"<message id='a\xC3' to='x@localhost'><body>b</body></message>", 'unsupported-encoding', r'\xC3'),
    no('lead-byte-in-element-name', 'a lead byte that hides the > ending a start tag', V25235,
       r'<message\xEB><body/></message>', 'unsupported-encoding', r'\xEB'),
    no('lead-byte-in-attribute-name', 'a lead byte inside an attribute name', V25235,
       r"<message t\xE0='x'/>", 'unsupported-encoding', r'\xE0'),
    no('four-byte-lead-before-gt', 'a four-byte lead byte swallowing />', V25235,
       r"<message><x xmlns='urn:x' a='b'\xF0/></message>" + VICTIM, 'unsupported-encoding', r'\xF0'),
    no('lead-byte-malformed-in-name-2', "the CVE-2022-25235 pattern: a two-byte lead followed by '('", V25235,
       r'<message><x\xC3\x28/></message>', 'unsupported-encoding', r'\xC3'),
    no('overlong-lt-in-text', "an overlong '<' that a lenient decoder turns into markup", ZOOM + '; RFC 3629 section 10',
       r'<message><body>\xC0\xBC/body>\xC0\xBC/message>' + VICTIM + r'</body></message>', 'unsupported-encoding', r'\xC0'),
    no('overlong-quote-in-attribute', "an overlong '\"' inside an attribute value", ZOOM + '; RFC 3629 section 10',
       r'<message id="a\xC0\xA2 to=\xC0\xA2victim@localhost"/>', 'unsupported-encoding', r'\xC0'),
    no('overlong-slash-in-end-tag', "an overlong '/' where an end tag would be", 'RFC 3629 section 10',
       r'<message><body>a<\xC0\xAFbody></body></message>', 'unsupported-encoding', r'\xC0'),
    no('above-range-in-text', 'a sequence above U+10FFFF in text', ZOOM, r'<message><body>\xF4\x90\x80\x80</body></message>',
       'unsupported-encoding', r'\xF4'),
    no('surrogate-char-ref', 'a lone surrogate as a character reference (a JSON-style escape smuggled through)',
       XML_WF + ' section 4.1', '<message><body>&#xD83D;</body></message>', 'not-well-formed', '&#'),
    no('nul-truncates-to', "a NUL inside to, where C-string handling would cut the address", ZOOM,
       r"<message to='victim@localhost\x00.attacker.example'/>", 'not-well-formed', r'\x00'),
    no('nul-after-end-tag-name', 'a NUL inside an end tag', ZOOM,
       r'<message><body>a</body></message\x00><presence/>', 'not-well-formed', r'\x00'),
    no('zero-width-no-break-in-name', 'U+FEFF inside an element name (Expat refuses it, libxml2 takes it)', ZOOM,
       r'<mess\u{FEFF}age/>', 'not-well-formed', r'\xEF',
       acceptable=[('refused unsupported-stanza-type', 'under fifth-edition name rules U+FEFF is a name character '
                    'and the element is just an unknown stanza')]),
    no('nbsp-as-attribute-separator', 'U+00A0 where whitespace separates attributes', ZOOM,
       r"<message\u{A0}to='victim@localhost'/>", 'not-well-formed', r'\xC2'),
    ok('fullwidth-lt-is-text', 'U+FF1C (fullwidth <) is ordinary text', ZOOM,
       r'<message><body>\u{FF1C}/body\u{FF1E}</body></message>',
       [stanza(r'<message xmlns="jabber:client"><body>\u{FF1C}/body\u{FF1E}</body></message>')]),
]

smuggle_markup = [
    no('xml-declaration-resets-parser', 'an XML declaration inside a stanza, which some parsers take as a stream reset',
       ZOOM, "<message><body>a</body><?xml version='1.0'?><message to='victim@localhost'/></message>",
       'restricted-xml', '<?'),
    ok('stream-header-inside-stanza', 'a stream header nested in a stanza stays an ordinary child element', ZOOM,
       "<message><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' "
       "version='1.0'><iq type='set' id='s1'/></stream:stream></message>",
       [stanza('<message xmlns="jabber:client"><stream xmlns="http://etherx.jabber.org/streams" to="localhost" '
               'version="1.0"><iq xmlns="jabber:client" id="s1" type="set"/></stream></message>')]),
    ok('cdata-hides-markup', 'markup inside CDATA is text, not a second stanza', ZOOM,
       "<message><body><![CDATA[</body></message><message to='victim@localhost'>]]></body></message>",
       [stanza('<message xmlns="jabber:client"><body>&lt;/body&gt;&lt;/message&gt;&lt;message '
               "to='victim@localhost'&gt;</body></message>")]),
    ok('escaped-markup-in-text', 'escaped markup in text stays text', ZOOM,
       '<message><body>&lt;/body&gt;&lt;/message&gt;&lt;message to=&apos;victim@localhost&apos;&gt;</body></message>',
       [stanza('<message xmlns="jabber:client"><body>&lt;/body&gt;&lt;/message&gt;&lt;message '
               "to='victim@localhost'&gt;</body></message>")]),
    ok('char-refs-for-markup-in-attribute', 'markup written with character references in an attribute', ZOOM,
       "<message id='&#60;/message&#62;&#60;message to=&#39;victim@localhost&#39;&#62;'/>",
       [stanza('<message xmlns="jabber:client" id="&lt;/message&gt;&lt;message to=\'victim@localhost\'&gt;"/>')]),
    ok('quote-confusion', "a double-quoted value holding ' and >", ZOOM,
       "<message id=\"a' to='victim@localhost'>\" type='chat'/>",
       [stanza('<message xmlns="jabber:client" id="a\' to=\'victim@localhost\'&gt;" type="chat"/>')]),
    no('duplicate-to', 'two to attributes: parsers that keep the first and the last route differently', ZOOM,
       "<message to='friend@localhost' to='victim@localhost'/>", 'not-well-formed', 'to=', nth=2),
    no('close-stream-inside-stanza', "'</stream:stream>' inside a stanza body", ZOOM,
       '<message><body>a</body></stream:stream>', 'not-well-formed', '</stream'),
    no('comment-splits-stanza', "a comment that a comment-unaware parser reads as text with '<' in it", ZOOM,
       "<message><body>a<!-- </body></message><message to='victim@localhost'><body> --></body></message>",
       'restricted-xml', '<!--'),
    no('pi-splits-stanza', 'a processing instruction around a second stanza', ZOOM,
       "<message><body>a<?x </body></message><message to='victim@localhost'><body> ?></body></message>",
       'restricted-xml', '<?'),
    ok('gt-in-attribute-not-tag-end', "'>' inside a value does not end the tag", ZOOM,
       "<message id='x>'><body>a</body></message>",
       [stanza('<message xmlns="jabber:client" id="x&gt;"><body>a</body></message>')]),
    ok('whitespace-in-end-tag', 'an end tag with a line break before >', ZOOM,
       "<message><body>a</body\n></message\n>", [stanza('<message xmlns="jabber:client"><body>a</body></message>')]),
    no('carriage-return-in-to', 'a CR in to is normalised to a space, making the JID invalid', ZOOM + '; XML 1.0 section 3.3.3',
       r"<message to='victim@localhost\r'/>", 'improper-addressing', 0, acceptable=[ADDR]),
    ok('stanza-split-over-restart-boundary', 'two stanzas back to back with no whitespace', ZOOM,
       "<message><body>a</body></message><message to='nobody@localhost'><body>b</body></message>",
       [stanza('<message xmlns="jabber:client"><body>a</body></message>'),
        stanza('<message xmlns="jabber:client" to="nobody@localhost"><body>b</body></message>')]),
    no('attribute-value-spans-stanzas', 'an unterminated attribute value swallowing the next stanza', ZOOM,
       "<message id='a><body>b</body></message><message to='victim@localhost'/>", 'not-well-formed', '<body'),
]

# ---------------------------------------------------------------------------

SUITE = {
    'restricted-xml': {
        'comments': ('Comments (RFC 6120 section 11.1).', comments),
        'processing-instructions': ('Processing instructions, and XML declarations anywhere but the start.', pis),
        'dtds': ('DOCTYPEs, internal and external subsets, markup declarations.', dtds),
        'entity-references': ('Entity and character references.', entities),
    },
    'xml-dos': {
        'entity-bombs': ('Entity expansion attacks: all refused at the DOCTYPE or the reference.', bombs),
        'limits': ('Depth, attribute, namespace, name and stanza size limits around their edges.', limits),
    },
    'well-formedness': {
        'tags': ('Tags, end tags, names, CDATA and character data (XML 1.0 sections 2 and 3).', wf_tags),
        'attributes': ('Attributes: quoting, uniqueness, normalisation.', wf_attrs),
        'characters': ('Character classes: NUL, controls, non-characters, character references.', wf_chars),
    },
    'utf8-encoding': {
        'invalid-sequences': ('Invalid UTF-8 in text: every class of RFC 3629 violation.', utf8_text),
        'encodings': ('Invalid UTF-8 elsewhere, byte order marks, UTF-16/32 and declared encodings.', utf8_places),
    },
    'namespaces': {
        'prefixes': ('Prefix binding and the reserved xml and xmlns prefixes.', ns_prefixes),
        'defaults': ('Default namespaces, the content namespace and stream prefix games.', ns_defaults),
        'separators': ('Separator characters inside namespace names (CVE-2022-25236).', ns_separators),
    },
    'stream-lifecycle': {
        'headers': ('Stream headers: version, namespaces, to/from, XML declarations.', headers),
        'lifecycle': ('Whitespace, restarts, stream close and content after it.', lifecycle),
    },
    'stanza-semantics': {
        'types': ('Message and presence types, unknown first-level elements.', stanza_types),
        'iq': ('iq id, type and child rules.', iq_rules),
        'addressing': ('JIDs in to and from.', jids),
    },
    'smuggling': {
        'invalid-utf8': ('Bytes a lenient decoder reads as markup, or markup it hides.', smuggle_utf8),
        'markup': ('Markup that one parser splits into stanzas another does not.', smuggle_markup),
    },
}
