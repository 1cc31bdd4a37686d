"""A TFTP-style UDP server: each request is answered from a fresh port (RFC 1350 section 4).

Usage: python3 fresh_port_udp.py PORT

A client sends "GET NAME" to PORT.  The server opens a new socket on a port
of its own and, from there, sends "DATA 1 <text>"; the client acknowledges
with "ACK 1" *to that new port*, and the server answers "DONE" from it.
A client whose socket only accepts replies from PORT never sees the data.
"""

import signal
import socket
import sys
import threading

port = int(sys.argv[1])
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def transfer(name: str, client: tuple[str, int]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as session:
        session.bind(("127.0.0.1", 0))  # the fresh port: the transfer ID of TFTP
        session.settimeout(5)
        session.sendto(f"DATA 1 contents of {name}".encode(), client)
        try:
            data, sender = session.recvfrom(512)
        except TimeoutError:
            return
        if sender == client and data == b"ACK 1":
            session.sendto(b"DONE", client)


with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
    server.bind(("127.0.0.1", port))
    print(f"listening on udp port {port}", flush=True)
    while True:
        request, client = server.recvfrom(512)
        if request.startswith(b"GET "):
            name = request[4:].decode(errors="replace")
            threading.Thread(target=transfer, args=(name, client), daemon=True).start()
