#!/bin/sh
# Handshakes, then never answers: the sleep (a child in the adapter's
# process group) must die with it when xmppfuzz kills the group.
echo 'xmppfuzz-exec 1 hang'
read -r header
sleep 613
