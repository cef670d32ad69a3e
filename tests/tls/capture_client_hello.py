#!/usr/bin/python3
"""Captures the first flight `openssl s_client` sends: listens on an
ephemeral 127.0.0.1 port, runs s_client against it with the given options,
writes what arrived before the client waits for an answer to OUT.

usage: capture_client_hello.py OUT [s_client options...]
Every wait is bounded (5 s); exits 1 if nothing arrived."""
import socket
import subprocess
import sys

out, options = sys.argv[1], sys.argv[2:]
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
listener.settimeout(5)
port = listener.getsockname()[1]
client = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *options],
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
data = b""
try:
    conn, _ = listener.accept()
    conn.settimeout(1)
    try:
        while len(data) < 65536:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass  # the client has sent its hello and waits for ours
    conn.close()
finally:
    client.kill()
    client.wait(timeout=5)
if not data:
    sys.exit("capture_client_hello: nothing arrived from openssl s_client")
with open(out, "wb") as f:
    f.write(data)
