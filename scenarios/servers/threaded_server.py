"""A thread per client: welcome each one, then answer every line it sends.

Usage: python3 threaded_server.py PORT [HOST]
"""

import contextlib
import signal
import socket
import sys
import threading

port = int(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"

signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def serve_client(conn: socket.socket) -> None:
    # A client that hangs up early only ends its own thread.
    with conn, contextlib.suppress(ConnectionError):
        conn.sendall(b"Welcome to the server\n")
        # makefile gives us readline(): TCP delivers bytes, not lines, so we need the buffering.
        with conn.makefile("rb") as lines:
            for line in lines:
                conn.sendall(b"Data received: " + line)


with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    # A long backlog: many clients connect at the same moment and must all wait their turn.
    server.listen(128)
    print(f"Listening on {host}:{port}", flush=True)
    while True:
        conn, addr = server.accept()
        # Daemon threads do not keep the process alive once the main thread exits.
        threading.Thread(target=serve_client, args=(conn,), daemon=True).start()
