"""A badly behaved forking server, for testing that the runner leaves no process behind.

It starts helper children that ignore SIGTERM, and forks one more such child
per connection (which greets the client, hangs up and then lingers).  Only
killing the whole process group with SIGKILL gets rid of them all.

Every pid (its own first) is written as JSON to PIDFILE, replaced atomically
so a reader never sees half a file.

Usage: python3 forking_server.py PORT PIDFILE [HELPERS]
"""

import contextlib
import json
import os
import signal
import socket
import sys
import time

port = int(sys.argv[1])
pidfile = sys.argv[2]
helpers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
pids = [os.getpid()]


def write_pids() -> None:
    tmp = f"{pidfile}.tmp"
    with open(tmp, "w") as f:
        json.dump(pids, f)
    os.replace(tmp, pidfile)


def linger() -> None:
    """The child's life: deaf to SIGTERM and Ctrl-C, asleep for at most ten minutes."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for _ in range(600):
        time.sleep(1)
    os._exit(0)


# Let the kernel reap our finished children, so none stays a zombie while we run.
signal.signal(signal.SIGCHLD, signal.SIG_IGN)

server = socket.create_server(("127.0.0.1", port))
for _ in range(helpers):
    pid = os.fork()
    if pid == 0:
        server.close()
        linger()
    pids.append(pid)
write_pids()
print(f"Listening on 127.0.0.1:{port} with helpers {pids[1:]}", flush=True)

while True:
    conn, _ = server.accept()
    pid = os.fork()
    if pid == 0:
        server.close()
        with conn, contextlib.suppress(ConnectionError):
            conn.sendall(f"hello from {os.getpid()}\n".encode())
        linger()
    conn.close()
    pids.append(pid)
    write_pids()
