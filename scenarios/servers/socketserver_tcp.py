"""The socketserver TCP example from the Python documentation: answer each line in upper case.

Usage: python3 socketserver_tcp.py PORT [HOST]
"""

import signal
import socketserver
import sys


class UpperCaseHandler(socketserver.StreamRequestHandler):
    """One instance per connection; rfile/wfile wrap the socket as files."""

    def handle(self) -> None:
        for line in self.rfile:
            self.wfile.write(line.upper())


port = int(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

socketserver.TCPServer.allow_reuse_address = True
# ThreadingTCPServer: with the plain TCPServer a second client waits until the first hangs up.
with socketserver.ThreadingTCPServer((host, port), UpperCaseHandler) as server:
    server.daemon_threads = True
    print(f"Listening on {host}:{port}", flush=True)
    server.serve_forever()
