"""The Daytime protocol (RFC 867) over TCP: send the date and time, then close.

Usage: python3 daytime_server.py PORT [HOST]
"""

import contextlib
import signal
import socket
import sys
import time

port = int(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

with socket.create_server((host, port)) as server:
    print(f"Listening on {host}:{port}", flush=True)
    while True:
        conn, _ = server.accept()
        # A client may hang up before we answer; that must not bring the server down.
        with conn, contextlib.suppress(ConnectionError):
            # RFC 867 leaves the format free; ctime's "Tue Nov 21 10:49:00 2023" is the classic one.
            conn.sendall(time.ctime().encode() + b"\r\n")
