#!/usr/bin/python3
"""Check a client driver's JSON-line output (the client driver contract).

    check_events.py FILE --library NAME --jid USER@DOMAIN --body TEXT
                    [--iq-from JID] [--require EVENT]... [--carbon-body TEXT]

Prints every event (ASCII-escaped JSON) and then each failed check; exit 0
when all checks hold, 1 otherwise.
"""

import argparse
import json
import sys


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--library", required=True)
    p.add_argument("--jid", required=True)
    p.add_argument("--body", required=True)
    p.add_argument("--iq-from")
    p.add_argument("--require", action="append", default=[])
    p.add_argument("--carbon-body")
    a = p.parse_args(argv)
    iq_from = a.iq_from or a.jid.split("@", 1)[1]

    failures = []
    events = []
    with open(a.file, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                failures.append("line %d is not UTF-8 JSON (%s): %r" % (n, exc, raw[:200]))
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("event"), str):
                failures.append("line %d is not an object with an \"event\" string" % n)
                continue
            events.append(obj)
            print("  " + json.dumps(obj, ensure_ascii=True))

    names = [e["event"] for e in events]
    if not events or names[0] != "start":
        failures.append("the first event is not \"start\"")
    else:
        s = events[0]
        if s.get("library") != a.library:
            failures.append("start names library %r, expected %r" % (s.get("library"), a.library))
        if not isinstance(s.get("version"), str) or not s["version"]:
            failures.append("start has no version")
    if not names or names[-1] != "closed":
        failures.append("the last event is not \"closed\"")
    if names.count("closed") > 1:
        failures.append("more than one \"closed\"")
    for req in a.require:
        if req not in names:
            failures.append("no %r event" % req)
    online = [e for e in events if e["event"] == "online"]
    if not online:
        failures.append("no \"online\" event")
    elif not str(online[0].get("jid", "")).startswith(a.jid + "/"):
        failures.append("online jid %r is not %s/RESOURCE" % (online[0].get("jid"), a.jid))
    if not any(e["event"] == "stanza" and "<message" in str(e.get("xml", ""))
               and a.body in str(e.get("xml", "")) for e in events):
        failures.append("no \"stanza\" event with the message carrying %r" % a.body)
    iq = [e for e in events if e["event"] == "iq-result"]
    if len(iq) != 1:
        failures.append("%d \"iq-result\" events, expected 1" % len(iq))
    elif iq[0].get("type") != "result" or iq[0].get("from") != iq_from:
        failures.append("iq-result is %r, expected type result from %r" % (iq[0], iq_from))
    auth = [e for e in events if e["event"] == "authenticated"]
    if auth and "mechanism" not in auth[0]:
        failures.append("\"authenticated\" has no \"mechanism\" field")
    if a.carbon_body is not None and not any(
            e["event"] == "carbon" and e.get("direction") == "sent"
            and a.carbon_body in str(e.get("xml", "")) for e in events):
        failures.append("no sent \"carbon\" event carrying %r" % a.carbon_body)
    for bad in ("tls-error", "auth-failed"):
        if bad in names:
            failures.append("unexpected %r event" % bad)

    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
