"""The first server of most socket tutorials: greet whoever connects, then hang up.

Usage: python3 greeting_server.py PORT [HOST]
"""

import contextlib
import signal
import socket
import sys

port = int(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"

# Leave with exit status 0 when the test runner stops us, instead of dying by the signal.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
    # Without SO_REUSEADDR a restart within a minute fails: old connections linger in TIME_WAIT.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    server.listen()
    # flush=True: stdout is a pipe, and a buffered line would never reach whoever waits for it.
    print(f"Listening on {host}:{port}", flush=True)
    while True:
        conn, addr = server.accept()
        # A client may hang up before we answer; that must not bring the server down.
        with conn, contextlib.suppress(ConnectionError):
            conn.sendall(b"Thank you for connecting")
