"""The socketserver UDP handler over a Unix datagram socket.

A Unix datagram client must bind its own socket path, or the server has no
address to send the reply to.

Usage: python3 socketserver_unix_dgram.py PATH
"""

import contextlib
import os
import signal
import socketserver
import sys


class UpperCaseHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(data.strip().upper(), self.client_address)


path = sys.argv[1]
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

with contextlib.suppress(FileNotFoundError):
    os.unlink(path)
try:
    with socketserver.UnixDatagramServer(path, UpperCaseHandler) as server:
        print(f"Listening on unixgram:{path}", flush=True)
        server.serve_forever()
finally:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
