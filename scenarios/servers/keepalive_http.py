"""Python's http.server speaking HTTP/1.1, so one connection carries several requests.

Serves the files of DIRECTORY with a Content-Length on every response.

Usage: python3 keepalive_http.py PORT DIRECTORY
"""

import functools
import http.server
import signal
import sys

port = int(sys.argv[1])
directory = sys.argv[2]
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


class Handler(http.server.SimpleHTTPRequestHandler):
    """Keep-alive (HTTP/1.1) and quiet."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass


handler = functools.partial(Handler, directory=directory)
with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
    server.serve_forever()
