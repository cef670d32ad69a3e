// xmppfuzz client driver for StanzaJS (npm stanza), XMPP over WebSocket
// (RFC 7395) only: --websocket URL is required.
//
// Creates the client as the library's README does (jid, password,
// transports: { websocket: URL, bosh: false }) with the library's default
// security settings, logs in and prints what the library reports as JSON
// lines (conformance/clients contract). Exit 0 after "closed", 2 on a usage
// error. --host/--port are accepted for the shared command line; the
// WebSocket URL says where to connect.

import { readFileSync } from "node:fs";

import { emit, parseDriverArgs } from "../common/driver_common.mjs";

const { opts, domain, iqTo } = parseDriverArgs("stanza", { websocket: true });

const version = JSON.parse(
  readFileSync(new URL("./node_modules/stanza/package.json", import.meta.url)),
).version;
emit("start", { library: "stanza", version });

const XMPP = await import("stanza");

const client = XMPP.createClient({
  jid: opts.jid,
  password: opts.password,
  ...(opts.resource !== undefined && { resource: opts.resource }),
  transports: { websocket: opts.websocket, bosh: false },
});

let closed = false;
function finish(text) {
  if (closed) return;
  closed = true;
  emit("closed", { text });
  process.exit(0);
}

// Observation only: the mechanism the library's SASL factory chose.
let mechanism = null;
const createMechanism = client.sasl.createMechanism.bind(client.sasl);
client.sasl.createMechanism = (names) => {
  const mech = createMechanism(names);
  mechanism = mech ? mech.name : null;
  return mech;
};

function withoutAlternates(value) {
  if (Array.isArray(value)) return value.map(withoutAlternates);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== "alternateLanguageBodies") out[k] = withoutAlternates(v);
  }
  return out;
}

// The library's own export of the JSON it delivered. Its message JSON holds
// the body twice (body and alternateLanguageBodies), which the export would
// write twice as text into one <body/>; the copy exported leaves the
// alternates out (they stay in "json").
function xmlOf(kind, data) {
  try {
    return client.stanzas.export(kind, withoutAlternates(data))?.toString() ?? null;
  } catch (err) {
    return null;
  }
}

const secureURL = opts.websocket.startsWith("wss://");
client.on("connected", () => {
  emit("connected");
  // On a wss:// URL the library's "connected" (the WebSocket opened) comes
  // only after the TLS handshake and its certificate check.
  if (secureURL) emit("tls");
});
client.on("auth:success", () => emit("authenticated", { mechanism }));
client.on("auth:failed", () => emit("auth-failed", { text: "authentication failed" }));
client.on("stream:error", (error) => emit("error", { text: `stream error: ${error?.condition ?? ""} ${error?.text ?? ""}`.trim() }));
client.on("disconnected", () => finish("disconnected"));

for (const kind of ["message", "presence", "iq"]) {
  client.on(kind, (stanza) => emit("stanza", { xml: xmlOf(kind, stanza), json: stanza }));
}
client.on("roster:update", (iq) => {
  for (const item of iq.roster?.items ?? []) {
    emit("roster", { jid: item.jid, subscription: item.subscription ?? "none" });
  }
});
client.on("carbon:received", (msg) => emit("carbon", { direction: "received", xml: xmlOf("message", msg) }));
client.on("carbon:sent", (msg) => emit("carbon", { direction: "sent", xml: xmlOf("message", msg) }));

client.on("session:started", async () => {
  emit("online", { jid: client.jid });
  try {
    // As the library's README does: the roster, then presence.
    const roster = await client.getRoster();
    for (const item of roster?.items ?? []) {
      emit("roster", { jid: item.jid, subscription: item.subscription ?? "none" });
    }
  } catch (err) {
    emit("error", { text: `roster: ${describe(err)}` });
  }
  client.sendPresence();
  try {
    await client.enableCarbons();
  } catch (err) {
    emit("error", { text: `carbons enable: ${describe(err)}` });
  }
  try {
    const reply = await client.sendIQ({ type: "get", to: iqTo, disco: { type: "info" } });
    emit("iq-result", { type: reply.type, from: reply.from ?? null });
  } catch (err) {
    if (err?.type === "error") emit("iq-result", { type: "error", from: err.from ?? null });
    else if (/timeout/i.test(String(err?.message ?? err?.error?.condition ?? ""))) emit("iq-result", { type: "timeout", from: null });
    else if (err?.error?.condition === "timeout") emit("iq-result", { type: "timeout", from: null });
    else emit("error", { text: `disco#info: ${describe(err)}` });
  }
});

function describe(err) {
  if (err?.error?.condition) return `${err.error.type ?? ""} ${err.error.condition}`.trim();
  return String(err?.message ?? JSON.stringify(err));
}

// The library only logs WebSocket errors (console.error, on stderr); the
// driver also listens on the transport's socket (created by connect()) to
// report them. Observation only.
function watchSocket() {
  client.transport?.socket?.addEventListener?.("error", (ev) => {
    const err = ev?.error ?? ev;
    const text = String(err?.message ?? ev?.message ?? err);
    if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO|DEPTH_ZERO|HOSTNAME|ALTNAME/.test(String(err?.code ?? ""))) {
      emit("tls-error", { text });
    } else {
      emit("error", { text });
    }
  });
}

try {
  await client.connect();
  watchSocket();
} catch (err) {
  emit("error", { text: describe(err) });
  finish("connect failed");
}
