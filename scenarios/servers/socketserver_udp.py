"""The socketserver UDP example from the Python docs: send each datagram back in upper case.

Usage: python3 socketserver_udp.py PORT [HOST]
"""

import signal
import socketserver
import sys


class UpperCaseHandler(socketserver.BaseRequestHandler):
    """For UDP, request is (data, socket): there is no connection, just one datagram."""

    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(data.strip().upper(), self.client_address)


port = int(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

with socketserver.UDPServer((host, port), UpperCaseHandler) as server:
    # UDP has no connection to probe: the runner waits for this line instead.
    print(f"Listening on udp {host}:{port}", flush=True)
    server.serve_forever()
