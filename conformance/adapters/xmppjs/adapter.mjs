// Exec adapter (exec protocol 1; conformance/adapters/xmppjs/README.md) for
// xmpp.js's stream parser: @xmpp/xml's Parser over ltx, attached and fed by
// the library's own Connection (@xmpp/tcp's ConnectionTCP, the transport
// @xmpp/client uses) exactly as on a TCP socket. The socket is an in-memory
// one: the bytes of an input are one 'data' Buffer, and what the library
// writes back (its stream error) is read from it.
//
//   node adapter.mjs --persistent   `input SIDE N` requests on stdin
//   node adapter.mjs --once         one input on stdin, XMPPFUZZ_SIDE
//   node adapter.mjs --check        the modules load: exit 0
//
// Exit status: 0 at the end of the input(s); --once: 1 after an error line;
// 2 on a malformed request or bad usage, 3 when the modules cannot be
// loaded (one line on stderr). When the library throws out of the socket's
// 'data' listener, which ends a Node process with an uncaught exception, the
// adapter prints a `log` line and kills itself (SIGKILL) so that the exec
// target reports `crashed`.

import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

// The modules `scripts/clients install` puts in place for the xmpp.js
// client driver (versions pinned by its package-lock.json).
const MODULES = new URL("../../clients/xmppjs/node_modules/", import.meta.url);

function moduleVersion(name) {
  return JSON.parse(readFileSync(new URL(`${name}/package.json`, MODULES))).version;
}

const USAGE = "usage: run --persistent | --once | --check";
const args = process.argv.slice(2);
const mode = args.length === 1 && ["--persistent", "--once", "--check"].includes(args[0]) ? args[0] : null;
if (mode === null) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

let ConnectionTCP;
try {
  ({ default: ConnectionTCP } = await import(new URL("@xmpp/tcp/lib/Connection.js", MODULES).href));
} catch (err) {
  process.stderr.write(
    `xmppjs adapter: cannot load xmpp.js (npm @xmpp/tcp) from ${pathToFileURL(MODULES.pathname).pathname} ` +
      `(run scripts/clients install): ${err.message}\n`,
  );
  process.exit(3);
}

const NAME = `xmpp.js-${moduleVersion("@xmpp/xml")}+ltx-${moduleVersion("ltx")}`;
const NS_STREAMS = "http://etherx.jabber.org/streams";
const NS_XML = "http://www.w3.org/XML/1998/namespace";
const MAX_INPUT_BYTES = 256 * 1024 * 1024;
const MAX_HEADER_LINE = 4096;

// Late work of finished sessions (the library's disconnect, its 2 s open()
// timeout) must not end the process; it only goes to stderr.
process.on("unhandledRejection", (reason) => {
  process.stderr.write(`xmppjs adapter: late rejection from a finished session: ${reason}\n`);
});

// ---- Escaping and canonical form (README "Canonical form") ----

// escapeForLine escapes text for a `log` line: `\` as `\\`, code points
// 0x00-0x1F and 0x7F as \xHH, everything else as is.
function escapeForLine(s) {
  return String(s).replace(/[\\\x00-\x1f\x7f]/g, (c) =>
    c === "\\" ? "\\\\" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

const ATTR_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;" };
const TEXT_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;", "\r": "&#13;" };
const escapeAttr = (s) => s.replace(/[&<>"\t\n\r]/g, (c) => ATTR_ESCAPES[c]);
const escapeText = (s) => s.replace(/[&<>\n\r]/g, (c) => TEXT_ESCAPES[c]);

// Byte order of the UTF-8 forms, as the reference serializer sorts.
const utf8Compare = (a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

// attributesOf lists an ltx Element's attributes as {ns, name, value} the
// way ltx's users see them: xmlns and xmlns:* are declarations (read by
// getNS()/findNS(), not attributes); p:name is in the namespace
// element.findNS(p) returns (the XML namespace for xml:); a prefix findNS()
// does not know leaves the attribute as ltx keeps it, named "p:name".
function attributesOf(el) {
  const out = [];
  for (const [key, value] of Object.entries(el.attrs)) {
    if (key === "xmlns" || key.startsWith("xmlns:")) continue;
    const colon = key.indexOf(":");
    if (colon < 0) {
      out.push({ ns: "", name: key, value: String(value) });
      continue;
    }
    const prefix = key.slice(0, colon);
    const ns = prefix === "xml" ? NS_XML : el.findNS(prefix);
    if (ns === undefined) out.push({ ns: "", name: key, value: String(value) });
    else out.push({ ns, name: key.slice(colon + 1), value: String(value) });
  }
  return out.sort((a, b) => utf8Compare(a.ns, b.ns) || utf8Compare(a.name, b.name));
}

function renderAttributes(attrs) {
  const prefixed = [];
  let out = "";
  for (const a of attrs) {
    if (a.ns === "" || a.ns === NS_XML || prefixed.includes(a.ns)) continue;
    out += ` xmlns:n${prefixed.length}="${escapeAttr(a.ns)}"`;
    prefixed.push(a.ns);
  }
  for (const a of attrs) {
    let prefix = "";
    if (a.ns === NS_XML) prefix = "xml:";
    else if (a.ns !== "") prefix = `n${prefixed.indexOf(a.ns)}:`;
    out += ` ${prefix}${a.name}="${escapeAttr(a.value)}"`;
  }
  return out;
}

// nsOf is the element's namespace as element.getNS() resolves it (prefix
// or default declaration, up the parent chain; ltx skips an empty xmlns="").
// undefined (an unknown prefix, no declaration at all) is no namespace.
const nsOf = (el) => el.getNS() ?? "";

// startTag renders `<name xmlns="NS" attrs` (xmlns only when the namespace
// differs from |parentNs|; always when there is none): name via getName(),
// namespace via getNS().
function startTag(el, parentNs) {
  const ns = nsOf(el);
  let out = `<${el.getName()}`;
  if (parentNs === undefined || parentNs !== ns) out += ` xmlns="${escapeAttr(ns)}"`;
  return out + renderAttributes(attributesOf(el));
}

// canonical renders an ltx Element, text children merged, in the canonical
// form.
function canonical(el, parentNs) {
  const ns = nsOf(el);
  const children = [];
  for (const child of el.children) {
    if (typeof child === "string") {
      if (child === "") continue;
      if (typeof children.at(-1) === "string") children[children.length - 1] += child;
      else children.push(child);
    } else {
      children.push(child);
    }
  }
  const open = startTag(el, parentNs);
  if (children.length === 0) return `${open}/>`;
  let out = `${open}>`;
  for (const child of children) out += typeof child === "string" ? escapeText(child) : canonical(child, ns);
  return `${out}</${el.getName()}>`;
}

// canonicalHeader renders the stream header: the fixed form for
// {streams}stream (content namespace: the header's xmlns attribute, what
// ltx's getNS() gives the stanzas under it; ltx ignores an empty one),
// otherwise the element's own start tag.
function canonicalHeader(el) {
  if (el.getName() === "stream" && nsOf(el) === NS_STREAMS) {
    const content = el.attrs.xmlns ? String(el.attrs.xmlns) : "";
    return (
      `<stream:stream xmlns:stream="${NS_STREAMS}" xmlns="${escapeAttr(content)}"` +
      `${renderAttributes(attributesOf(el))}>`
    );
  }
  return `${startTag(el)}>`;
}

// ---- One stream ----

// MemorySocket is what Connection._attachSocket needs from a net.Socket:
// events, write(string, callback) and end().
class MemorySocket extends EventEmitter {
  secure = false;
  written = [];
  write(data, callback) {
    this.written.push(String(data));
    if (callback) process.nextTick(callback);
    return true;
  }
  end() {
    setImmediate(() => this.emit("close", false));
  }
}

// run parses |bytes| as one new stream through a fresh ConnectionTCP and
// returns the answer lines. Side "server" (c2s bytes) uses the same parser:
// xmpp.js has no server (its @xmpp/component connects too).
function run(side, bytes) {
  const lines = [];
  if (side === "server") lines.push("log xmpp.js has no server side; the c2s bytes go through the same parser");
  const conn = new ConnectionTCP({ domain: "localhost" });
  const socket = new MemorySocket();
  let live = true;
  let stopped = false;
  const add = (line) => {
    if (live && !stopped) lines.push(line);
  };

  conn.on("status", (status, arg) => {
    if (status === "open") add(`stream-open ${canonicalHeader(arg)}`);
    // "close" while the parser is attached: its "end" (the root closed).
    if (status === "close") {
      add("stream-close");
      stopped = true;
    }
  });
  conn.on("element", (el) => add(`stanza ${canonical(el)}`));
  // The library's own errors (parser errors, a received stream error) are
  // reported through its "error" event; an application listens to it.
  conn.on("error", (err) => {
    if (live && !stopped) lines.push(`log library error event: ${escapeForLine(err?.name)}: ${escapeForLine(err?.message)}`);
  });

  conn._attachSocket(socket);
  // open() as Connection.start() calls it: header element, fresh Parser
  // attached, the client's header written; it then waits for "open".
  conn.open({ domain: "localhost" }).catch(() => {});
  socket.written.length = 0;

  try {
    socket.emit("data", bytes);
  } catch (err) {
    // Node would end the process: the exception leaves the socket's 'data'
    // listener (Connection._onData -> Parser.write -> ltx).
    for (const line of lines) process.stdout.write(`${line}\n`);
    process.stdout.write(
      `log uncaught exception from Connection._onData: ${escapeForLine(err?.name)}: ` +
        `${escapeForLine(err?.message)}; a Node process running xmpp.js exits here\n`,
    );
    process.kill(process.pid, "SIGKILL");
  }

  // A stream error the library wrote (Connection's parser-error handler
  // sends <bad-format/>): the error line, last.
  for (const w of socket.written) {
    const m = /^<stream:error><([A-Za-z0-9-]+)[ />]/.exec(w);
    if (m && !stopped) {
      lines.push(`error ${m[1]}`);
      stopped = true;
      break;
    }
  }
  live = false;
  return lines;
}

// ---- Protocol ----

function answer(side, bytes) {
  const lines = run(side, bytes);
  return lines.map((l) => `${l}\n`).join("");
}

function once() {
  const side = process.env.XMPPFUZZ_SIDE;
  if (side !== "server" && side !== "client") {
    process.stderr.write("xmppjs adapter: run --once: XMPPFUZZ_SIDE must be server or client\n");
    process.exit(2);
  }
  const bytes = readFileSync(0);
  if (bytes.length > MAX_INPUT_BYTES) {
    process.stderr.write(`xmppjs adapter: input over ${MAX_INPUT_BYTES} bytes\n`);
    process.exit(2);
  }
  const lines = run(side, bytes);
  process.stdout.write(lines.map((l) => `${l}\n`).join(""));
  process.exit(lines.some((l) => l.startsWith("error ")) ? 1 : 0);
}

function fail(message) {
  process.stderr.write(`xmppjs adapter: ${message}\n`);
  process.exit(2);
}

// persistent reads requests as a two-state machine: kHeader collects the
// `input SIDE N` line, kBody the N bytes after it.
function persistent() {
  process.stdout.write(`xmppfuzz-exec 1 ${NAME}\n`);
  let state = "header";
  let pending = Buffer.alloc(0);
  let side = "";
  let need = 0;

  const header = () => {
    const lf = pending.indexOf(0x0a);
    if (lf < 0) {
      if (pending.length > MAX_HEADER_LINE) fail("overlong request line");
      return false;
    }
    const line = pending.subarray(0, lf).toString("latin1");
    pending = pending.subarray(lf + 1);
    const fields = line.split(" ");
    if (fields.length < 3 || fields[0] !== "input" || !["server", "client"].includes(fields[1]) || !/^[0-9]{1,12}$/.test(fields[2]))
      fail(`bad request line: ${escapeForLine(line)}`);
    side = fields[1];
    need = Number(fields[2]);
    if (need > MAX_INPUT_BYTES) fail(`input of ${need} bytes is over ${MAX_INPUT_BYTES}`);
    state = "body";
    return true;
  };
  const body = () => {
    if (pending.length < need) return false;
    const bytes = Buffer.from(pending.subarray(0, need));
    pending = pending.subarray(need);
    process.stdout.write(`${answer(side, bytes)}done\n`);
    state = "header";
    return true;
  };

  process.stdin.on("data", (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (state === "header" ? header() : body());
  });
  process.stdin.on("end", () => {
    if (pending.length > 0 || state === "body") fail("EOF inside a request");
    process.exit(0);
  });
}

if (mode === "--persistent") persistent();
else if (mode === "--once") once();
else process.exit(0); // --check: the modules loaded
