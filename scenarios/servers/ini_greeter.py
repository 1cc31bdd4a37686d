"""A small daemon configured only through a file, as real daemons are.

Usage: python3 ini_greeter.py CONFIG

CONFIG is an INI file:

    [server]
    port = 8080          # where to listen (127.0.0.1)
    greeting = hello     # the line each client gets
    log = /path/to/log   # one line appended per client
"""

import configparser
import contextlib
import signal
import socket
import sys

config = configparser.ConfigParser()
if not config.read(sys.argv[1]):
    sys.exit(f"cannot read {sys.argv[1]}")
section = config["server"]
port = section.getint("port")
greeting = section["greeting"]
log_path = section["log"]

# Leave with exit status 0 when the test runner stops us, instead of dying by the signal.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    print(f"configured from {sys.argv[1]}, listening on {port}", flush=True)
    n = 0
    while True:
        conn, addr = server.accept()
        n += 1
        with conn, contextlib.suppress(ConnectionError):
            conn.sendall(f"{greeting}\r\n".encode())
        # Appended after answering; a checker polls the file for it.
        with open(log_path, "a") as log:
            log.write(f"client {n} greeted\n")
