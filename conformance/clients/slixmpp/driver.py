#!/usr/bin/python3
"""xmppfuzz client driver for slixmpp (Debian python3-slixmpp).

Connects to --host/--port with slixmpp's default security settings, logs in
with --jid/--password and prints what the library reports as JSON lines
(the client driver contract of conformance/clients). Exit 0 after "closed",
2 on a usage error.
"""

import asyncio
import logging
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from driver_common import emit, parse_args  # noqa: E402  (conformance/clients/common)


def main(argv):
    args = parse_args("slixmpp", argv)
    # Library warnings go to stderr; stdout carries the JSON lines only.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    import slixmpp
    from slixmpp.exceptions import IqError, IqTimeout
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    emit("start", library="slixmpp", version=slixmpp.__version__)

    domain = args.jid.split("@", 1)[1].split("/", 1)[0]
    jid = args.jid + ("/" + args.resource if args.resource else "")
    iq_to = args.iq_to or domain

    class Driver(slixmpp.ClientXMPP):
        def __init__(self):
            super().__init__(jid, args.password)
            self.finished = asyncio.get_event_loop().create_future()
            self.roster_seen = {}
            # The plugins the library's examples register for this.
            self.register_plugin("xep_0030")  # service discovery (disco#info stanzas)
            self.register_plugin("xep_0280")  # message carbons
            for name, handler in (
                    ("connected", self.on_connected),
                    ("tls_success", self.on_tls),
                    ("ssl_invalid_chain", self.on_invalid_chain),
                    ("auth_success", self.on_auth),
                    ("failed_auth", self.on_failed_auth),
                    ("no_auth", self.on_no_auth),
                    ("session_start", self.on_session_start),
                    ("presence", self.on_stanza),
                    ("roster_update", self.on_roster_update),
                    ("carbon_received", self.on_carbon_received),
                    ("carbon_sent", self.on_carbon_sent),
                    ("stream_error", self.on_stream_error),
                    ("connection_failed", self.on_connection_failed),
                    ("disconnected", self.on_disconnected)):
                self.add_event_handler(name, handler)
            # slixmpp's "message" event fires only for messages with a body;
            # this handler sees every message stanza the library parsed.
            self.register_handler(Callback(
                "xmppfuzz every message",
                MatchXPath("{%s}message" % self.default_ns),
                self.on_stanza))

        def on_connected(self, _event):
            emit("connected")

        def on_tls(self, _event):
            emit("tls")

        def on_invalid_chain(self, exc):
            # Handling this event stops slixmpp from disconnecting by itself;
            # the driver does what slixmpp does when nobody handles it.
            emit("tls-error", text=str(exc))
            self.disconnect()

        def on_auth(self, _stanza):
            mech = self.plugin["feature_mechanisms"].mech
            emit("authenticated", mechanism=mech.name if mech is not None else None)

        def on_failed_auth(self, stanza):
            emit("auth-failed", text=str(stanza))

        def on_no_auth(self, _event):
            emit("auth-failed", text="no acceptable SASL mechanism")

        async def on_session_start(self, _event):
            emit("online", jid=str(self.boundjid.full))
            # As slixmpp's examples do: initial presence, then the roster.
            self.send_presence()
            try:
                await self.get_roster()
            except (IqError, IqTimeout) as exc:
                emit("error", text="roster: " + describe(exc))
            try:
                await self.plugin["xep_0280"].enable()
            except (IqError, IqTimeout) as exc:
                emit("error", text="carbons enable: " + describe(exc))
            iq = self.Iq()
            iq["type"] = "get"
            iq["to"] = iq_to
            iq.enable("disco_info")
            try:
                result = await iq.send()
            except IqError as exc:
                emit("iq-result", type="error", **{"from": str(exc.iq["from"])})
                return
            except IqTimeout:
                emit("iq-result", type="timeout", **{"from": None})
                return
            emit("stanza", xml=str(result))
            emit("iq-result", type=result["type"], **{"from": str(result["from"])})

        def on_stanza(self, stanza):
            emit("stanza", xml=str(stanza))

        def on_roster_update(self, _iq):
            # Runs after slixmpp's own roster handler: report what the
            # library now holds, not what the server sent.
            roster = self.client_roster
            now = {}
            for contact in roster.keys():
                now[str(contact)] = roster[contact]["subscription"]
            for contact, sub in now.items():
                if self.roster_seen.get(contact) != sub:
                    emit("roster", jid=contact, subscription=sub)
            for contact in self.roster_seen:
                if contact not in now:
                    emit("roster", jid=contact, subscription="remove")
            self.roster_seen = now

        def on_carbon_received(self, msg):
            emit("carbon", direction="received", xml=str(msg))

        def on_carbon_sent(self, msg):
            emit("carbon", direction="sent", xml=str(msg))

        def on_stream_error(self, error):
            emit("error", text="stream error: " + str(error))

        def on_connection_failed(self, exc):
            # slixmpp would retry for ever; a driver reports and stops.
            self.finish("connection failed: %s" % (exc,))

        def on_disconnected(self, reason):
            self.finish(str(reason) if reason else "disconnected")

        def finish(self, text):
            if not self.finished.done():
                self.finished.set_result(text)

    def describe(exc):
        if isinstance(exc, IqError):
            return "%s %s" % (exc.iq["error"]["type"], exc.iq["error"]["condition"])
        return "timeout"

    loop = asyncio.get_event_loop()
    xmpp = Driver()
    xmpp.connect(address=(args.host, args.port))
    text = loop.run_until_complete(xmpp.finished)
    emit("closed", text=text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
