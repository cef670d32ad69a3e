// What every JavaScript client driver shares (the driver contract of
// conformance/clients): the JSON-lines output and the common command line.

import { parseArgs } from "node:util";

export function emit(event, fields = {}) {
  // JSON.stringify escapes control characters and lone surrogates; stdout
  // writes to files and pipes are synchronous in Node on Linux.
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}

// parseDriverArgs reads the contract's command line for |library|. With
// |websocket| true, --websocket ws[s]://... is required; otherwise it is a
// usage error (the driver speaks TCP only). Exits 2 with a message on stderr
// on a usage error; returns the options plus the JID's user and domain and
// the iq target.
export function parseDriverArgs(library, { websocket = false } = {}) {
  const usage = (text) => {
    process.stderr.write(
      `${library} driver: ${text}\nusage: driver.js --host HOST --port PORT --jid USER@DOMAIN --password PASS ` +
        `${websocket ? "--websocket ws[s]://HOST:PORT/PATH " : ""}[--resource RES] [--iq-to JID]\n`,
    );
    process.exit(2);
  };
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
  for (const k of ["host", "port", "jid", "password", ...(websocket ? ["websocket"] : [])]) {
    if (opts[k] === undefined) usage(`--${k} is required`);
  }
  if (!websocket && opts.websocket !== undefined) usage("this driver speaks TCP only; --websocket is not supported");
  if (!/^[0-9]+$/.test(opts.port) || +opts.port < 1 || +opts.port > 65535) usage("--port must be 1..65535");
  if (websocket && !/^wss?:\/\//.test(opts.websocket)) usage("--websocket must be a ws:// or wss:// URL");
  const at = opts.jid.indexOf("@");
  if (at <= 0 || at === opts.jid.length - 1) usage("--jid must be USER@DOMAIN");
  const username = opts.jid.slice(0, at);
  const domain = opts.jid.slice(at + 1).split("/")[0];
  return { opts, username, domain, iqTo: opts["iq-to"] ?? domain };
}
