"""Quote of the Day (RFC 865) over UDP: any datagram gets a quote back.

Usage: python3 qotd_server.py PORT [HOST]
"""

import datetime
import signal
import socket
import sys

QUOTES = [
    "Be conservative in what you send, be liberal in what you accept. -- Jon Postel",
    "The network is reliable. -- the first fallacy of distributed computing",
    "There is no place like 127.0.0.1.",
]

port = int(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
    sock.bind((host, port))
    print(f"Listening on udp {host}:{port}", flush=True)
    while True:
        # The content of the datagram does not matter: it only says "send me a quote".
        _, sender = sock.recvfrom(512)
        quote = QUOTES[datetime.date.today().toordinal() % len(QUOTES)]
        sock.sendto(quote.encode() + b"\r\n", sender)
