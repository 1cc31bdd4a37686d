"""A strict line server: answers "PONG" to "PING", and resets the connection on anything else.

Usage: python3 strict_server.py PORT

Resetting (TCP RST, via SO_LINGER 0) instead of closing is what many
servers do with a client that breaks the protocol.
"""

import signal
import socket
import struct
import sys
import threading

port = int(sys.argv[1])
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def serve(conn: socket.socket) -> None:
    with conn, conn.makefile("rb") as lines:
        for line in lines:
            if line.strip() == b"PING":
                conn.sendall(b"PONG\r\n")
                continue
            # A linger of 0 seconds makes close() send RST instead of FIN.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return


with socket.socket() as server:
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
