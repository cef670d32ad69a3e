/* xmppfuzz-client-loudmouth — the client driver (see
 * conformance/clients/loudmouth/README.md) for loudmouth: one LmConnection
 * set up as loudmouth's examples (test-lm.c, lm-send-async.c) do, reported
 * as JSON lines. */
#include <stdio.h>
#include <string.h>

#include <loudmouth/loudmouth.h>

#include "conformance/clients/common/driver_common.h"

#ifndef DRIVER_LIBRARY_VERSION
#define DRIVER_LIBRARY_VERSION "unknown"
#endif

#define END ((const char *)NULL)

static const char kDiscoInfo[] = "http://jabber.org/protocol/disco#info";
/* The examples' choice when the application names no resource. */
static const char kDefaultResource[] = "xmppfuzz";

struct driver {
    GMainLoop *loop;
    LmConnection *connection;
    const struct driver_args *args;
    int closed;
    int tls_reported;
    char cert_status[256]; /* what ssl_cb was told, comma-separated ("" = nothing) */
};

static const char *ssl_status_name(LmSSLStatus status) {
    switch (status) {
    case LM_SSL_STATUS_NO_CERT_FOUND: return "no-cert-found";
    case LM_SSL_STATUS_UNTRUSTED_CERT: return "untrusted";
    case LM_SSL_STATUS_CERT_EXPIRED: return "expired";
    case LM_SSL_STATUS_CERT_NOT_ACTIVATED: return "not-activated";
    case LM_SSL_STATUS_CERT_HOSTNAME_MISMATCH: return "hostname-mismatch";
    case LM_SSL_STATUS_CERT_FINGERPRINT_MISMATCH: return "fingerprint-mismatch";
    case LM_SSL_STATUS_GENERIC_ERROR: return "generic-error";
    }
    return "unknown";
}

static const char *disconnect_reason_name(LmDisconnectReason reason) {
    switch (reason) {
    case LM_DISCONNECT_REASON_OK: return "ok";
    case LM_DISCONNECT_REASON_PING_TIME_OUT: return "ping timeout";
    case LM_DISCONNECT_REASON_HUP: return "hang-up";
    case LM_DISCONNECT_REASON_ERROR: return "error";
    case LM_DISCONNECT_REASON_RESOURCE_CONFLICT: return "resource conflict";
    case LM_DISCONNECT_REASON_INVALID_XML: return "invalid XML";
    case LM_DISCONNECT_REASON_UNKNOWN: return "unknown";
    }
    return "unknown";
}

/* report_tls prints "tls" once loudmouth has a server fingerprint (it
 * computes one in the TLS handshake; loudmouth has no other way to say TLS
 * is up), with the certificate problems ssl_cb was told of ("ok": none). */
static void report_tls(struct driver *d) {
    LmSSL *ssl = lm_connection_get_ssl(d->connection);
    const char *fingerprint = ssl != NULL ? lm_ssl_get_fingerprint(ssl) : NULL;
    if (d->tls_reported || fingerprint == NULL || fingerprint[0] == '\0') return;
    d->tls_reported = 1;
    driver_emit("tls", "certificate", d->cert_status[0] != '\0' ? d->cert_status : "ok",
                "fingerprint", fingerprint, END);
}

static void report_closed(struct driver *d, const char *text) {
    if (d->closed) return;
    d->closed = 1;
    report_tls(d);
    driver_emit("closed", "text", text, END);
    g_main_loop_quit(d->loop);
}

/* ssl_cb: loudmouth calls it only when something is wrong with the server's
 * certificate. Like the examples' ssl_cb, the driver notes the status (for
 * the "tls" event) and returns LM_SSL_RESPONSE_CONTINUE. */
static LmSSLResponse ssl_cb(LmSSL *ssl, LmSSLStatus status, gpointer user_data) {
    struct driver *d = (struct driver *)user_data;
    size_t used = strlen(d->cert_status);
    (void)ssl;
    snprintf(d->cert_status + used, sizeof d->cert_status - used, "%s%s", used ? "," : "",
             ssl_status_name(status));
    return LM_SSL_RESPONSE_CONTINUE;
}

static void emit_node(LmMessageNode *node) {
    gchar *xml = lm_message_node_to_string(node);
    if (xml != NULL) {
        driver_emit_stanza(xml, strlen(xml));
        g_free(xml);
    }
}

/* stanza_handler: every message, presence and iq loudmouth hands over. */
static LmHandlerResult stanza_handler(LmMessageHandler *handler, LmConnection *connection,
                                      LmMessage *m, gpointer user_data) {
    (void)handler;
    (void)connection;
    (void)user_data;
    emit_node(m->node);
    return LM_HANDLER_RESULT_ALLOW_MORE_HANDLERS;
}

/* disco_reply: the reply loudmouth matched to the disco#info get by its id. */
static LmHandlerResult disco_reply(LmMessageHandler *handler, LmConnection *connection,
                                   LmMessage *m, gpointer user_data) {
    const char *type = lm_message_node_get_attribute(m->node, "type");
    (void)handler;
    (void)connection;
    (void)user_data;
    driver_emit("iq-result", "type", type, "from", lm_message_node_get_attribute(m->node, "from"),
                END);
    return LM_HANDLER_RESULT_ALLOW_MORE_HANDLERS;
}

static void send_disco_get(struct driver *d, LmConnection *connection) {
    LmMessage *iq = lm_message_new_with_sub_type(d->args->iq_to, LM_MESSAGE_TYPE_IQ,
                                                 LM_MESSAGE_SUB_TYPE_GET);
    LmMessageNode *query = lm_message_node_add_child(iq->node, "query", NULL);
    LmMessageHandler *reply = lm_message_handler_new(disco_reply, d, NULL);
    GError *error = NULL;
    lm_message_node_set_attribute(query, "xmlns", kDiscoInfo);
    if (!lm_connection_send_with_reply(connection, iq, reply, &error)) {
        driver_emit("error", "text", error != NULL ? error->message : "send failed", END);
        g_clear_error(&error);
    }
    lm_message_handler_unref(reply);
    lm_message_unref(iq);
}

static void auth_cb(LmConnection *connection, gboolean success, gpointer user_data) {
    struct driver *d = (struct driver *)user_data;
    LmMessage *presence;
    gchar *jid;
    report_tls(d);
    if (!success) {
        driver_emit("auth-failed", "text", "lm_connection_authenticate failed", END);
        lm_connection_close(connection, NULL);
        report_closed(d, "authentication failed");
        return;
    }
    /* loudmouth does not say which SASL mechanism it used. */
    driver_emit("authenticated", "mechanism", END, END);
    /* The bound JID; loudmouth keeps ownership of the string (not to be
     * freed, whatever the gchar * return type suggests). */
    jid = lm_connection_get_full_jid(connection);
    driver_emit("online", "jid", jid, END);
    /* Initial presence, as test-lm.c sends it. */
    presence = lm_message_new_with_sub_type(NULL, LM_MESSAGE_TYPE_PRESENCE,
                                            LM_MESSAGE_SUB_TYPE_AVAILABLE);
    lm_connection_send(connection, presence, NULL);
    lm_message_unref(presence);
    send_disco_get(d, connection);
}

static void open_cb(LmConnection *connection, gboolean success, gpointer user_data) {
    struct driver *d = (struct driver *)user_data;
    const char *resource = d->args->resource != NULL ? d->args->resource : kDefaultResource;
    GError *error = NULL;
    if (!success) {
        report_closed(d, "connection failed");
        return;
    }
    driver_emit("connected", END);
    if (!lm_connection_authenticate(connection, d->args->local, d->args->password, resource,
                                    auth_cb, d, NULL, &error)) {
        driver_emit("error", "text", error != NULL ? error->message : "authenticate failed", END);
        g_clear_error(&error);
        lm_connection_close(connection, NULL);
        report_closed(d, "lm_connection_authenticate failed");
    }
}

static void disconnect_cb(LmConnection *connection, LmDisconnectReason reason,
                          gpointer user_data) {
    (void)connection;
    report_closed((struct driver *)user_data, disconnect_reason_name(reason));
}

static void register_stanza_handler(LmConnection *connection, LmMessageType type) {
    LmMessageHandler *h = lm_message_handler_new(stanza_handler, NULL, NULL);
    lm_connection_register_message_handler(connection, h, type, LM_HANDLER_PRIORITY_NORMAL);
    lm_message_handler_unref(h);
}

int main(int argc, char **argv) {
    struct driver_args args;
    struct driver d;
    LmConnection *connection;
    GError *error = NULL;

    driver_parse_args(argc, argv, &args);
    driver_emit("start", "library", "loudmouth", "version", DRIVER_LIBRARY_VERSION, END);

    d.loop = g_main_loop_new(NULL, FALSE);
    d.args = &args;
    d.closed = 0;
    d.tls_reported = 0;
    d.cert_status[0] = '\0';

    /* The examples' setup: the server to connect to (--host), its port, the
     * JID. A server given, loudmouth connects there (no SRV lookup). */
    connection = lm_connection_new(args.host);
    d.connection = connection;
    lm_connection_set_port(connection, args.port);
    lm_connection_set_jid(connection, args.jid);
    register_stanza_handler(connection, LM_MESSAGE_TYPE_MESSAGE);
    register_stanza_handler(connection, LM_MESSAGE_TYPE_PRESENCE);
    register_stanza_handler(connection, LM_MESSAGE_TYPE_IQ);
    lm_connection_set_disconnect_function(connection, disconnect_cb, &d, NULL);

    /* SSL as LmSSL's documentation and the examples set it up: no expected
     * fingerprint, the examples' status callback, STARTTLS used when offered
     * but not required (lm_ssl_use_starttls (ssl, TRUE, FALSE)). */
    if (lm_ssl_is_supported()) {
        LmSSL *ssl = lm_ssl_new(NULL, ssl_cb, &d, NULL);
        lm_ssl_use_starttls(ssl, TRUE, FALSE);
        lm_connection_set_ssl(connection, ssl);
        lm_ssl_unref(ssl);
    }

    if (lm_connection_open(connection, open_cb, &d, NULL, &error)) {
        g_main_loop_run(d.loop);
    } else {
        report_closed(&d, error != NULL ? error->message : "lm_connection_open failed");
        g_clear_error(&error);
    }
    if (lm_connection_is_open(connection)) lm_connection_close(connection, NULL);
    lm_connection_unref(connection);
    g_main_loop_unref(d.loop);
    return 0;
}
