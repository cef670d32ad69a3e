#!/bin/sh
# A correct one-shot exec adapter: the input on stdin through
# `xmppfuzz parse` (exit 0, or 1 after a stream error).
# Usage: parse_once.sh XMPPFUZZ
auth=
if [ "$XMPPFUZZ_PROFILE" = authenticated ]; then auth=--authenticated; fi
exec "$1" parse --side "$XMPPFUZZ_SIDE" $auth -
