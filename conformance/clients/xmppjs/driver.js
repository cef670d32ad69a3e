// xmppfuzz client driver for xmpp.js (npm @xmpp/client).
//
// Connects to --host/--port (service xmpp://HOST:PORT, domain from --jid)
// with the library's default security settings, logs in and prints what the
// library reports as JSON lines (conformance/clients contract). Exit 0 after
// "closed", 2 on a usage error.

import { readFileSync } from "node:fs";

import { emit, parseDriverArgs } from "../common/driver_common.mjs";

const { opts, username, domain, iqTo } = parseDriverArgs("xmppjs");

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

// Work-around for a race in @xmpp/connection 0.14.0 (upstream master has the
// same code): open() writes the stream header, awaits the write's callback
// and only then listens for the server's header (the "open" event, 2 s
// timeout). On a TLS socket Node calls that callback from setImmediate, after
// the poll phase, which may already have read and parsed the server's reply
// when the process was descheduled after the write (a busy machine). "open"
// has then been emitted to nobody, and open() rejects with a TimeoutError
// without message although the stream is open and negotiation goes on. Here
// the listener is in place before the library writes; open() settles on the
// server's header or on the library's own outcome (its error or timeout),
// whichever comes first. Nothing else about the library changes.
const libraryOpen = xmpp.open;
xmpp.open = function open(...args) {
  let onOpen;
  const seen = new Promise((resolve) => {
    onOpen = (header) => {
      // A once listener is removed before it runs: what is left is the
      // library's own waiter, if it was already listening.
      if (this.listenerCount("open") === 0) {
        process.stderr.write("xmppjs driver: the server's stream header came before the library listened for it\n");
      }
      resolve(header);
    };
    this.once("open", onOpen);
  });
  return Promise.race([seen, libraryOpen.apply(this, args)]).finally(() => this.off("open", onOpen));
};

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
// Status changes with the time since start go to stderr, so that a failure
// shows which step of the negotiation it happened in.
const t0 = Date.now();
xmpp.on("status", (status) => {
  process.stderr.write(`xmppjs driver: +${Date.now() - t0} ms status ${status}\n`);
  if (status === "connect") emit("connected");
  if (status === "open" && !tlsReported && xmpp.isSecure()) {
    tlsReported = true;
    emit("tls");
  }
  if (status === "disconnect") finish("disconnected");
});

// A readable text for any error value: name, code/condition, message,
// nested errors (AggregateError) and cause. Some library errors carry no
// message at all (@xmpp/events' TimeoutError), so the name and the
// connection status at the time say what happened. The stack goes to stderr.
function describe(err, depth = 0) {
  if (err === null || typeof err !== "object") return String(err);
  const parts = [];
  const name = typeof err.name === "string" && err.name ? err.name : "Error";
  parts.push(name);
  for (const key of ["code", "condition", "errno", "syscall"]) {
    if (err[key] !== undefined && err[key] !== null && err[key] !== "") parts.push(`${key}=${err[key]}`);
  }
  if (typeof err.address === "string") parts.push(`address=${err.address}:${err.port ?? ""}`);
  const message = typeof err.message === "string" ? err.message : "";
  let text = parts.join(" ");
  if (message) {
    text += `: ${message}`;
  } else {
    // Where it was made: the first stack frame outside the event helpers.
    const frame = String(err.stack ?? "")
      .split("\n")
      .slice(1)
      .map((line) => line.trim())
      .find((line) => line.startsWith("at ") && !/@xmpp\/events\/|new Promise/.test(line));
    const where = frame?.match(/^at (?:async )?([^\s(]+) \(/)?.[1];
    text += where ? ` (no message; raised in ${where})` : " (no message)";
  }
  if (depth < 3 && Array.isArray(err.errors) && err.errors.length > 0) {
    text += ` [${err.errors.map((e) => describe(e, depth + 1)).join("; ")}]`;
  }
  if (depth < 3 && err.cause !== undefined) text += ` (cause: ${describe(err.cause, depth + 1)})`;
  return text;
}
function errorText(err) {
  if (err?.stack) process.stderr.write(`xmppjs driver: ${err.stack}\n`);
  return `${describe(err)} (status ${xmpp.status})`;
}

const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO|DEPTH_ZERO|HOSTNAME|ALTNAME/;
let lastError = null;
xmpp.on("error", (err) => {
  lastError = err;
  const text = errorText(err);
  if (err?.name === "SASLError") emit("auth-failed", { text });
  else if (TLS_CODE.test(String(err?.code ?? "")) || err?.message === "STARTTLS_FAILURE") emit("tls-error", { text });
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
      emit("error", { text: errorText(err) });
    }
  }
});

try {
  await xmpp.start();
} catch (err) {
  // The first attempt failed; the "error"/"disconnect" listeners may have
  // said so already.
  if (!closed) {
    if (err !== lastError) emit("error", { text: errorText(err) });
    finish("start failed");
  }
}
