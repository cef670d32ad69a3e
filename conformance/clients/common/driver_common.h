/* driver_common.h — what every native client driver shares: the command line
 * of the client driver contract and its JSON-lines output.
 *
 * Header-only C (usable from C++), so that each driver stays one main file
 * that links only its own client library.
 *
 * Output: one JSON object per line on stdout, flushed after each line. Every
 * string is escaped here: '"', '\\' and every byte below 0x20 (and 0x7f) as
 * \u00XX; bytes >= 0x80 pass through only when they form valid, shortest-form
 * UTF-8 (no surrogates, nothing above U+10FFFF), otherwise each is written as
 * \u00XX. Peer bytes therefore never reach the terminal unescaped. */
#ifndef XMPPFUZZ_CONFORMANCE_CLIENTS_COMMON_DRIVER_COMMON_H_
#define XMPPFUZZ_CONFORMANCE_CLIENTS_COMMON_DRIVER_COMMON_H_

#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DRIVER_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(DRIVER_UNDER_ASAN)
#define DRIVER_UNDER_ASAN 1
#endif
#ifdef DRIVER_UNDER_ASAN
/* Under ASan (the asan preset) a driver keeps every memory-error check but
 * not LeakSanitizer: the client libraries leak at exit (gloox's GnuTLS
 * session, loudmouth's SASL handlers), and a leak report would turn the
 * library's exit-time leak into a non-zero exit of the driver.
 * ASAN_OPTIONS=detect_leaks=1 turns it back on. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }
#endif

/* The contract's exit status for a usage error. */
#define DRIVER_EXIT_USAGE 2

struct driver_args {
    const char *host;      /* --host (required) */
    unsigned short port;   /* --port (required, 1..65535) */
    const char *jid;       /* --jid USER@DOMAIN (required) */
    const char *password;  /* --password (required) */
    const char *resource;  /* --resource (optional; NULL: the library's choice) */
    const char *websocket; /* --websocket (accepted; native drivers speak TCP only) */
    const char *iq_to;     /* --iq-to (default: the JID's domain) */
    char domain[1024];     /* the JID's domainpart */
    char local[1024];      /* the JID's localpart */
};

/* driver_utf8_len returns the length (2..4) of the valid shortest-form UTF-8
 * sequence at s (n bytes available), or 0 when s does not start one. */
static inline size_t driver_utf8_len(const unsigned char *s, size_t n) {
    size_t len, i;
    unsigned long cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* driver_put_json_string writes s (n bytes) as a JSON string to out. */
static inline void driver_put_json_string(FILE *out, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len;
    fputc('"', out);
    while (i < n) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            fputc(c, out);
            i++;
        } else if ((len = driver_utf8_len(p + i, n - i)) != 0) {
            fwrite(p + i, 1, len, out);
            i += len;
        } else {
            fprintf(out, "\\u%04x", c);
            i++;
        }
    }
    fputc('"', out);
}

/* driver_emit prints one event line: {"event":EVENT, key: value, ...}.
 * The variadic part is pairs of (const char *key, const char *value) ended by
 * a NULL key; a NULL value is written as JSON null. Flushes stdout. */
static inline void driver_emit(const char *event, ...) {
    va_list ap;
    const char *key;
    fputs("{\"event\":", stdout);
    driver_put_json_string(stdout, event, strlen(event));
    va_start(ap, event);
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        fputc(',', stdout);
        driver_put_json_string(stdout, key, strlen(key));
        fputc(':', stdout);
        if (value == NULL)
            fputs("null", stdout);
        else
            driver_put_json_string(stdout, value, strlen(value));
    }
    va_end(ap);
    fputs("}\n", stdout);
    fflush(stdout);
}

/* driver_emit_stanza prints {"event":"stanza","xml":XML} for n bytes of XML
 * (which may hold NUL bytes or invalid UTF-8: everything is escaped). */
static inline void driver_emit_stanza(const char *xml, size_t n) {
    fputs("{\"event\":\"stanza\",\"xml\":", stdout);
    driver_put_json_string(stdout, xml, n);
    fputs("}\n", stdout);
    fflush(stdout);
}

static inline void driver_usage(const char *prog, const char *why) {
    if (why != NULL) fprintf(stderr, "%s: %s\n", prog, why);
    fprintf(stderr,
            "usage: %s --host HOST --port PORT --jid USER@DOMAIN --password PASS\n"
            "          [--resource RES] [--iq-to JID]\n",
            prog);
    exit(DRIVER_EXIT_USAGE);
}

/* driver_parse_args fills a from the contract's command line; on any usage
 * error it prints the reason and the usage on stderr and exits 2. */
static inline void driver_parse_args(int argc, char **argv, struct driver_args *a) {
    static const struct option options[] = {
        {"host", required_argument, NULL, 'h'},      {"port", required_argument, NULL, 'p'},
        {"jid", required_argument, NULL, 'j'},       {"password", required_argument, NULL, 'w'},
        {"resource", required_argument, NULL, 'r'},  {"websocket", required_argument, NULL, 's'},
        {"iq-to", required_argument, NULL, 'i'},     {NULL, 0, NULL, 0}};
    const char *prog = argc > 0 ? argv[0] : "driver";
    const char *at, *slash;
    char *end;
    unsigned long port;
    int c;
    memset(a, 0, sizeof *a);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'h': a->host = optarg; break;
        case 'p':
            port = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || port == 0 || port > 65535)
                driver_usage(prog, "--port must be a number in 1..65535");
            a->port = (unsigned short)port;
            break;
        case 'j': a->jid = optarg; break;
        case 'w': a->password = optarg; break;
        case 'r': a->resource = optarg; break;
        case 's': a->websocket = optarg; break;
        case 'i': a->iq_to = optarg; break;
        default: driver_usage(prog, "unknown option or missing argument");
        }
    }
    if (optind != argc) driver_usage(prog, "unexpected positional argument");
    if (a->host == NULL || a->port == 0 || a->jid == NULL || a->password == NULL)
        driver_usage(prog, "--host, --port, --jid and --password are required");
    if (a->websocket != NULL) driver_usage(prog, "--websocket: this driver speaks TCP only");
    at = strchr(a->jid, '@');
    if (at == NULL || at == a->jid || at[1] == '\0' || at[1] == '/')
        driver_usage(prog, "--jid must be USER@DOMAIN");
    slash = strchr(at + 1, '/');
    if ((size_t)(at - a->jid) >= sizeof a->local)
        driver_usage(prog, "--jid localpart too long");
    memcpy(a->local, a->jid, (size_t)(at - a->jid));
    {
        size_t dlen = slash != NULL ? (size_t)(slash - (at + 1)) : strlen(at + 1);
        if (dlen >= sizeof a->domain) driver_usage(prog, "--jid domain too long");
        memcpy(a->domain, at + 1, dlen);
    }
    if (slash != NULL) driver_usage(prog, "--jid is a bare JID; give the resource with --resource");
    if (a->iq_to == NULL) a->iq_to = a->domain;
}

#ifdef __cplusplus
}
#endif

#endif /* XMPPFUZZ_CONFORMANCE_CLIENTS_COMMON_DRIVER_COMMON_H_ */
