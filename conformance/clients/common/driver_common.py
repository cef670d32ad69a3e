"""What every Python client driver shares (the driver contract of
conformance/clients): the JSON-lines output and the common command line."""

import argparse
import json
import sys


def emit(event, **fields):
    """One JSON object per line on stdout, flushed at once."""
    obj = {"event": event}
    obj.update(fields)
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def parse_args(library, argv):
    """The contract's command line for a TCP-only driver; exits 2 with a
    message on stderr on a usage error."""
    p = argparse.ArgumentParser(prog=f"{library} driver")
    p.add_argument("--host", required=True)
    p.add_argument("--port", required=True, type=int)
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--resource")
    p.add_argument("--websocket")
    p.add_argument("--iq-to")
    args = p.parse_args(argv)
    if "@" not in args.jid or args.jid.startswith("@") or args.jid.endswith("@"):
        p.error("--jid must be USER@DOMAIN")
    if args.websocket:
        p.error(f"{library} speaks XMPP over TCP only; --websocket is not supported")
    if not 0 < args.port < 65536:
        p.error("--port must be 1..65535")
    return args
