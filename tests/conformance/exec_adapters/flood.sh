#!/bin/sh
# Handshakes, then answers every request with endless output: MODE lines
# (short valid stanza lines) or line (one line that never ends).
echo 'xmppfuzz-exec 1 flood'
read -r header
if [ "$1" = line ]; then
  exec tr '\000' x </dev/zero
fi
exec yes 'stanza <message xmlns="jabber:client"/>'
