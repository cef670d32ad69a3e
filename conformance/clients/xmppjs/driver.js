// xmppfuzz client driver for xmpp.js (npm @xmpp/client).
//
// Connects to --host/--port (service xmpp://HOST:PORT, domain from --jid)
// with the library's default security settings, logs in and prints what the
// library reports as JSON lines (conformance/clients contract). Exit 0 after
// "closed", 2 on a usage error.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

function emit(event, fields = {}) {
  // JSON.stringify escapes control characters and lone surrogates; stdout
  // writes to files and pipes are synchronous in Node on Linux.
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}

function usage(text) {
  process.stderr.write(
    `xmppjs driver: ${text}\nusage: driver.js --host HOST --port PORT --jid USER@DOMAIN --password PASS [--resource RES] [--iq-to JID]\n`,
  );
  process.exit(2);
}

let opts;
try {
  opts = parseArgs({
    options: {
      host: { type: "string" },
      port: { type: "string" },
      jid: { type: "string" },
      password: { type: "string" },
      resource: { type: "string" },
      websocket: { type: "string" },
      "iq-to": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (err) {
  usage(err.message);
}
for (const k of ["host", "port", "jid", "password"]) {
  if (opts[k] === undefined) usage(`--${k} is required`);
}
if (opts.websocket !== undefined) usage("this driver speaks TCP only; --websocket is not supported");
if (!/^[0-9]+$/.test(opts.port) || +opts.port < 1 || +opts.port > 65535) usage("--port must be 1..65535");
const at = opts.jid.indexOf("@");
if (at <= 0 || at === opts.jid.length - 1) usage("--jid must be USER@DOMAIN");
const username = opts.jid.slice(0, at);
const domain = opts.jid.slice(at + 1).split("/")[0];
const iqTo = opts["iq-to"] ?? domain;

const version = JSON.parse(
  readFileSync(new URL("./node_modules/@xmpp/client/package.json", import.meta.url)),
).version;
emit("start", { library: "xmppjs", version });

const { client, xml } = await import("@xmpp/client");

const xmpp = client({
  service: `xmpp://${opts.host}:${opts.port}`,
  domain,
  username,
  password: opts.password,
  ...(opts.resource !== undefined && { resource: opts.resource }),
});

let closed = false;
function finish(text) {
  if (closed) return;
  closed = true;
  emit("closed", { text });
  // @xmpp/reconnect would connect again; the driver stops here.
  process.exit(0);
}

// Observation only: the mechanism is what the library put into <auth/>
// (or SASL2 <authenticate/>), TLS is what the entity says after the restart.
let mechanism = null;
let tlsReported = false;
const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
const NS_SASL2 = "urn:xmpp:sasl:2";
xmpp.on("send", (el) => {
  if ((el.is("auth", NS_SASL) || el.is("authenticate", NS_SASL2)) && el.attrs.mechanism) {
    mechanism = el.attrs.mechanism;
  }
});
xmpp.on("nonza", (el) => {
  if (el.is("success", NS_SASL) || el.is("success", NS_SASL2)) {
    emit("authenticated", { mechanism });
  }
});
xmpp.on("status", (status) => {
  if (status === "connect") emit("connected");
  if (status === "open" && !tlsReported && xmpp.isSecure()) {
    tlsReported = true;
    emit("tls");
  }
  if (status === "disconnect") finish("disconnected");
});

const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO|DEPTH_ZERO|HOSTNAME|ALTNAME/;
let lastError = null;
xmpp.on("error", (err) => {
  lastError = err;
  const text = String(err?.message ?? err);
  if (err?.name === "SASLError") emit("auth-failed", { text: `${err.condition ?? ""} ${text}`.trim() });
  else if (TLS_CODE.test(String(err?.code ?? "")) || text === "STARTTLS_FAILURE") emit("tls-error", { text });
  else emit("error", { text });
});

xmpp.on("stanza", (stanza) => {
  emit("stanza", { xml: stanza.toString() });
});

xmpp.on("online", async (address) => {
  emit("online", { jid: address.toString() });
  try {
    // As the library's example does.
    await xmpp.send(xml("presence"));
    const reply = await xmpp.iqCaller.request(
      xml("iq", { type: "get", to: iqTo }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })),
    );
    emit("iq-result", { type: reply.attrs.type, from: reply.attrs.from ?? null });
  } catch (err) {
    if (err?.name === "StanzaError") {
      emit("iq-result", { type: "error", from: err.element?.attrs?.from ?? null });
    } else if (err?.name === "TimeoutError") {
      emit("iq-result", { type: "timeout", from: null });
    } else {
      emit("error", { text: String(err?.message ?? err) });
    }
  }
});

try {
  await xmpp.start();
} catch (err) {
  // The first attempt failed; the "error"/"disconnect" listeners may have
  // said so already.
  if (!closed) {
    if (err !== lastError) emit("error", { text: String(err?.message ?? err) });
    finish("start failed");
  }
}
