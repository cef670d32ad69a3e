#!/usr/bin/python3
"""xmppfuzz client driver for aioxmpp (Debian python3-aioxmpp).

Connects to --host/--port (override_peer with a STARTTLSConnector) with
aioxmpp's default security layer (make_security_layer(password)), logs in
with --jid/--password and prints what the library reports as JSON lines
(the client driver contract of conformance/clients). Exit 0 after
"closed", 2 on a usage error.
"""

import asyncio
import logging
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from driver_common import emit, parse_args  # noqa: E402  (conformance/clients/common)


def describe(exc):
    text = str(exc)
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


async def run(args):
    import aioxmpp
    import aioxmpp.connector
    import aioxmpp.disco.xso
    import aioxmpp.dispatcher
    import aioxmpp.errors
    import aioxmpp.sasl
    import aioxmpp.xml
    import OpenSSL.SSL  # aioxmpp's TLS (pyOpenSSL via aioopenssl)

    emit("start", library="aioxmpp", version=aioxmpp.__version__)

    jid = aioxmpp.JID.fromstr(args.jid)
    if args.resource:
        jid = jid.replace(resource=args.resource)
    iq_to = aioxmpp.JID.fromstr(args.iq_to or jid.domain)

    # Observation only: which mechanism the library put into <auth/>.
    state = {"mechanism": None}
    original_initiate = aioxmpp.sasl.SASLXMPPInterface.initiate

    async def initiate(self, mechanism, payload=None):
        state["mechanism"] = mechanism
        return await original_initiate(self, mechanism, payload)
    aioxmpp.sasl.SASLXMPPInterface.initiate = initiate

    class ObservedSTARTTLS(aioxmpp.connector.STARTTLSConnector):
        """The library's STARTTLS connector; reports what it established."""

        async def connect(self, *a, **kw):
            try:
                result = await super().connect(*a, **kw)
            except (aioxmpp.errors.TLSFailure, aioxmpp.errors.TLSUnavailable,
                    OpenSSL.SSL.Error) as exc:
                emit("tls-error", text=describe(exc))
                raise
            except OSError as exc:
                emit("error", text="connect: " + describe(exc))
                raise
            except Exception as exc:
                emit("error", text="connect: " + describe(exc))
                raise
            transport = result[0]
            emit("connected")
            if transport.get_extra_info("ssl_object") is not None:
                emit("tls")
            return result

    client = aioxmpp.PresenceManagedClient(
        jid,
        aioxmpp.make_security_layer(args.password),
        override_peer=[(args.host, args.port, ObservedSTARTTLS())],
    )
    loop = asyncio.get_event_loop()
    done = loop.create_future()

    def finish(text):
        if not done.done():
            done.set_result(text)

    def on_established():
        emit("authenticated", mechanism=state["mechanism"])
        emit("online", jid=str(client.local_jid))
        established.set()

    established = asyncio.Event()
    client.on_stream_established.connect(on_established)
    client.on_stream_destroyed.connect(
        lambda reason=None: finish(describe(reason) if reason else "stream destroyed"))
    client.on_stream_suspended.connect(
        lambda reason: emit("error", text="stream suspended: " + describe(reason)))
    client.on_failure.connect(lambda err: finish("failure: " + describe(err)))
    client.on_stopped.connect(lambda: finish("stopped"))

    def on_stanza(stanza):
        emit("stanza", xml=aioxmpp.xml.serialize_single_xso(stanza))

    # The library's dispatchers, with wildcards: every message and presence
    # the library hands to the application.
    client.summon(aioxmpp.dispatcher.SimpleMessageDispatcher).register_callback(
        None, None, on_stanza)
    client.summon(aioxmpp.dispatcher.SimplePresenceDispatcher).register_callback(
        None, None, on_stanza)

    roster = client.summon(aioxmpp.RosterClient)

    def on_roster_item(item, *_rest):
        emit("roster", jid=str(item.jid), subscription=item.subscription)
    roster.on_entry_added.connect(on_roster_item)
    roster.on_entry_subscription_state_changed.connect(on_roster_item)
    roster.on_entry_removed.connect(
        lambda item: emit("roster", jid=str(item.jid), subscription="remove"))
    carbons = client.summon(aioxmpp.CarbonsClient)

    # As aioxmpp's examples do: available presence starts the client.
    client.presence = aioxmpp.PresenceState(True)

    async def session():
        await established.wait()
        try:
            await carbons.enable()
        except (aioxmpp.errors.XMPPError, RuntimeError, TimeoutError) as exc:
            emit("error", text="carbons enable: " + describe(exc))
        replies = []

        def on_reply(reply):
            replies.append(reply)
            emit("stanza", xml=aioxmpp.xml.serialize_single_xso(reply))
        iq = aioxmpp.IQ(type_=aioxmpp.IQType.GET, to=iq_to,
                        payload=aioxmpp.disco.xso.InfoQuery())
        try:
            await client.send(iq, cb=on_reply)
        except aioxmpp.errors.XMPPError as exc:
            emit("iq-result", type="error", **{"from": None, "text": describe(exc)})
        except TimeoutError:
            emit("iq-result", type="timeout", **{"from": None})
        else:
            emit("iq-result", type="result",
                 **{"from": str(replies[0].from_) if replies and replies[0].from_ else None})

    task = asyncio.ensure_future(session())
    text = await done
    task.cancel()
    emit("closed", text=text)
    # No reconnect: the driver ends with the connection.
    client.stop()


def main(argv):
    args = parse_args("aioxmpp", argv)
    logging.basicConfig(level=logging.CRITICAL, stream=sys.stderr)
    asyncio.get_event_loop().run_until_complete(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
