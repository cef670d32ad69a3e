#!/bin/sh
# Never sends the handshake: MODE silent (nothing, then waits), wrong (a
# line that is not one), version (protocol version 2), exit (exits at once
# with status 3 after a word on stderr).
case "$1" in
  silent) exec sleep 600 ;;
  wrong) echo 'hello'; exec sleep 600 ;;
  version) echo 'xmppfuzz-exec 2 future'; exec sleep 600 ;;
  exit) echo 'no parser here' >&2; exit 3 ;;
esac
