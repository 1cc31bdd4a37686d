"""The socketserver handler over a Unix stream socket: answer each line in upper case.

Usage: python3 socketserver_unix_stream.py PATH
"""

import contextlib
import os
import signal
import socketserver
import sys


class UpperCaseHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for line in self.rfile:
            self.wfile.write(line.upper())


path = sys.argv[1]
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

# A socket file left by an earlier run would make bind fail with "Address already in use".
with contextlib.suppress(FileNotFoundError):
    os.unlink(path)
try:
    with socketserver.ThreadingUnixStreamServer(path, UpperCaseHandler) as server:
        server.daemon_threads = True
        print(f"Listening on unix:{path}", flush=True)
        server.serve_forever()
finally:
    # Unlike a TCP port, the socket file outlives the server unless removed.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
