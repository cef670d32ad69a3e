/* xmppfuzz-client-libstrophe — the client driver (see
 * conformance/clients/libstrophe/README.md) for libstrophe: one connection
 * with libstrophe's default flags, as its examples/bot.c makes it, reported
 * as JSON lines. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <strophe.h>

#include "conformance/clients/common/driver_common.h"

#ifndef DRIVER_LIBRARY_VERSION
#define DRIVER_LIBRARY_VERSION "unknown"
#endif

static const char kDiscoInfo[] = "http://jabber.org/protocol/disco#info";

struct driver {
    xmpp_ctx_t *ctx;
    const struct driver_args *args;
    int online;
};

/* certfail_handler is called by libstrophe only for a certificate that
 * OpenSSL did not verify. Returning 0 refuses it: the same decision as
 * libstrophe makes with no handler set ("no certfail handler set, canceling
 * connection attempt"); the handler is here so the refusal is reported. */
static int certfail_handler(const xmpp_tlscert_t *cert, const char *const errormsg) {
    (void)cert;
    driver_emit("tls-error", "text", errormsg != NULL ? errormsg : "certificate not verified",
                (const char *)NULL);
    return 0;
}

/* stanza_handler reports every message, presence and iq that libstrophe
 * hands to the application, as xmpp_stanza_to_text serialises it. Returns 1
 * (stay registered). */
static int stanza_handler(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata) {
    struct driver *d = (struct driver *)userdata;
    const char *name = xmpp_stanza_get_name(stanza);
    char *text = NULL;
    size_t len = 0;
    (void)conn;
    if (name == NULL ||
        (strcmp(name, "message") != 0 && strcmp(name, "presence") != 0 && strcmp(name, "iq") != 0))
        return 1;
    if (xmpp_stanza_to_text(stanza, &text, &len) == XMPP_EOK) {
        driver_emit_stanza(text, len);
        xmpp_free(d->ctx, text);
    } else {
        driver_emit("error", "text", "xmpp_stanza_to_text failed", (const char *)NULL);
    }
    return 1;
}

/* disco_handler receives the reply that libstrophe matched to the iq get by
 * its id. Returns 0 (a one-shot handler). */
static int disco_handler(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata) {
    const char *type = xmpp_stanza_get_type(stanza);
    (void)conn;
    (void)userdata;
    driver_emit("iq-result", "type", type, "from", xmpp_stanza_get_from(stanza),
                (const char *)NULL);
    return 0;
}

static void send_disco_get(struct driver *d, xmpp_conn_t *conn) {
    char *id = xmpp_uuid_gen(d->ctx);
    xmpp_stanza_t *iq = xmpp_iq_new(d->ctx, "get", id);
    xmpp_stanza_t *query = xmpp_stanza_new(d->ctx);
    xmpp_stanza_set_name(query, "query");
    xmpp_stanza_set_ns(query, kDiscoInfo);
    xmpp_stanza_add_child(iq, query);
    xmpp_stanza_release(query);
    xmpp_stanza_set_to(iq, d->args->iq_to);
    xmpp_id_handler_add(conn, disco_handler, id, d);
    xmpp_send(conn, iq);
    xmpp_stanza_release(iq);
    xmpp_free(d->ctx, id);
}

static void report_closed(int error, const xmpp_stream_error_t *stream_error) {
    char text[512];
    if (stream_error != NULL && stream_error->text != NULL)
        snprintf(text, sizeof text, "stream error %d: %s", (int)stream_error->type,
                 stream_error->text);
    else if (stream_error != NULL)
        snprintf(text, sizeof text, "stream error %d", (int)stream_error->type);
    else if (error != 0)
        snprintf(text, sizeof text, "error %d (%s)", error, strerror(error));
    else
        snprintf(text, sizeof text, "disconnected");
    driver_emit("closed", "text", text, (const char *)NULL);
}

/* conn_handler: libstrophe calls it with XMPP_CONN_CONNECT once the stream
 * is authenticated, bound and (if offered) the session established, and with
 * XMPP_CONN_DISCONNECT / XMPP_CONN_FAIL when the connection ends. */
static void conn_handler(xmpp_conn_t *conn, xmpp_conn_event_t status, int error,
                         xmpp_stream_error_t *stream_error, void *userdata) {
    struct driver *d = (struct driver *)userdata;
    if (status == XMPP_CONN_CONNECT) {
        xmpp_stanza_t *presence;
        d->online = 1;
        if (xmpp_conn_is_secured(conn)) driver_emit("tls", (const char *)NULL);
        /* libstrophe does not say which SASL mechanism it used. */
        driver_emit("authenticated", "mechanism", (const char *)NULL, (const char *)NULL);
        driver_emit("online", "jid", xmpp_conn_get_bound_jid(conn), (const char *)NULL);
        xmpp_handler_add(conn, stanza_handler, NULL, NULL, NULL, d);
        /* Initial presence, as examples/bot.c sends it. */
        presence = xmpp_presence_new(d->ctx);
        xmpp_send(conn, presence);
        xmpp_stanza_release(presence);
        send_disco_get(d, conn);
        return;
    }
    if (status == XMPP_CONN_RAW_CONNECT) return;
    report_closed(error, stream_error);
    xmpp_stop(d->ctx);
}

int main(int argc, char **argv) {
    struct driver_args args;
    struct driver d;
    xmpp_log_t *log = NULL;
    xmpp_conn_t *conn;
    char jid[2200];
    int rc;

    driver_parse_args(argc, argv, &args);
    driver_emit("start", "library", "libstrophe", "version", DRIVER_LIBRARY_VERSION,
                (const char *)NULL);

    if (args.resource != NULL)
        snprintf(jid, sizeof jid, "%s/%s", args.jid, args.resource);
    else
        snprintf(jid, sizeof jid, "%s", args.jid);

    xmpp_initialize();
    /* The library's own logger on stderr when asked for (debugging only). */
    if (getenv("XMPPFUZZ_DRIVER_DEBUG") != NULL) log = xmpp_get_default_logger(XMPP_LEVEL_DEBUG);
    d.ctx = xmpp_ctx_new(NULL, log);
    d.args = &args;
    d.online = 0;
    conn = xmpp_conn_new(d.ctx);
    /* No xmpp_conn_set_flags: libstrophe's defaults (STARTTLS when offered,
     * certificate verified, no legacy auth). */
    xmpp_conn_set_certfail_handler(conn, certfail_handler);
    xmpp_conn_set_jid(conn, jid);
    xmpp_conn_set_pass(conn, args.password);

    /* An explicit host and port: libstrophe connects there (no SRV lookup). */
    rc = xmpp_connect_client(conn, args.host, args.port, conn_handler, &d);
    if (rc == XMPP_EOK) {
        xmpp_run(d.ctx);
    } else {
        char text[64];
        snprintf(text, sizeof text, "xmpp_connect_client failed: %d", rc);
        driver_emit("closed", "text", text, (const char *)NULL);
    }
    xmpp_conn_release(conn);
    xmpp_ctx_free(d.ctx);
    xmpp_shutdown();
    return 0;
}
