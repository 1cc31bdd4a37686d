"""Benchmark: a rule server answering ``ping\\n`` with ``pong\\n``, against mountebank and raw trio.

Three servers, each in its own process, get the same load from the same
external load client doing lock-step request/reply: a small C program (one
process multiplexing every connection with epoll, compiled with ``cc`` into
a temporary folder) so that on a small machine the client does not take the
CPU the server needs; without a C compiler (or with ``--python-client``),
one Python worker process per connection:

* sockscen: ``sockscen serve`` of a mock with one rule (framing ``line``);
* mountebank 2.9.1: a TCP imposter with the same stub (``equals`` predicate,
  ``is`` response); installed with ``npm install mountebank@2.9.1`` into
  ``--mb-dir`` when absent; skipped, saying why, when node is missing;
* trio: a minimal trio line server (the floor of what trio can do).

Two loads: ``persistent`` (``--connections`` connections, each sending the
next request when the reply arrived) and ``per-request`` (one new
connection per request, closed with a reset so the client's ports are not
used up in TIME_WAIT).  Runs are interleaved (server A, B, C, A, B, C...)
so a machine-wide slowdown hits all alike; each figure is the median
[min-max] requests per second over ``--rounds`` rounds, and the server's
CPU time (user + system, its whole process group) per request, a steadier
figure on a shared machine.  Then the rule
server runs alone under persistent load for ``--memory-window`` seconds
while its resident memory is sampled: it must stay flat.

    python bench/rule_server.py [--window 5] [--rounds 3] [--memory-window 60]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REQUEST, REPLY = b"ping\n", b"pong\n"
REPO = Path(__file__).resolve().parents[1]

MOCK = """\
name: ping pong
mock: true
servers:
  pong:
    listen: tcp://127.0.0.1:{port}
    framing: line
    rules:
      - when: ping
        reply: pong
"""

TRIO_SERVER = """\
import sys, trio

async def handle(stream):
    buffer = bytearray()
    try:
        while True:
            data = await stream.receive_some(65536)
            if not data:
                return
            buffer += data
            while (end := buffer.find(b"\\n")) >= 0:
                del buffer[: end + 1]
                await stream.send_all(b"pong\\n")
    except trio.BrokenResourceError:
        return

trio.run(trio.serve_tcp, handle, int(sys.argv[1]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_port(port: int, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)  # the server is starting: poll, bounded by the deadline
    raise RuntimeError(f"nothing listens on port {port} after {limit}s")


# --------------------------------------------------------------------------- load


def _read_reply(sock: socket.socket) -> None:
    got = b""
    while len(got) < len(REPLY):
        data = sock.recv(64)
        if not data:
            raise ConnectionError("the server closed the connection")
        got += data


def _persistent(port: int, start: float, stop: float, out: multiprocessing.Queue[int]) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    time.sleep(max(0.0, start - time.time()))
    count = 0
    while time.time() < stop:
        sock.sendall(REQUEST)
        _read_reply(sock)
        count += 1
    sock.close()
    out.put(count)


def _per_request(port: int, start: float, stop: float, out: multiprocessing.Queue[int]) -> None:
    time.sleep(max(0.0, start - time.time()))
    count = 0
    linger = struct.pack("ii", 1, 0)
    while time.time() < stop:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(REQUEST)
        _read_reply(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        sock.close()
        count += 1
    out.put(count)


LOAD_C = r"""
/* Load client: one process, epoll, lock-step request/reply on each of N connections. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char REQ[] = "ping\n";
static struct sockaddr_in addr;
static int ep, per_request;
typedef struct { int fd; int got; } slot_t;

static double now(void) {
    struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return t.tv_sec + t.tv_nsec / 1e9;
}
static void die(const char *what) { perror(what); exit(2); }

static void open_slot(slot_t *s) {
    int one = 1;
    s->fd = socket(AF_INET, SOCK_STREAM | (per_request ? SOCK_NONBLOCK : 0), 0);
    if (s->fd < 0) die("socket");
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    s->got = 0;
    if (connect(s->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
        die("connect");
    struct epoll_event ev = {.events = per_request ? EPOLLOUT : EPOLLIN, .data.ptr = s};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) < 0) die("epoll_ctl");
}

static void send_req(slot_t *s) {
    if (send(s->fd, REQ, sizeof REQ - 1, MSG_NOSIGNAL) != sizeof REQ - 1) die("send");
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "load PORT persistent|per-request N START STOP\n"); return 2; }
    addr.sin_family = AF_INET;
    addr.sin_port = htons(atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    per_request = strcmp(argv[2], "per-request") == 0;
    int n = atoi(argv[3]);
    double start = atof(argv[4]), stop = atof(argv[5]);
    ep = epoll_create1(0);
    slot_t *slots = calloc(n, sizeof *slots);
    if (!per_request) for (int i = 0; i < n; i++) open_slot(&slots[i]);
    double wait = start - now();
    if (wait > 0) usleep((useconds_t)(wait * 1e6));
    for (int i = 0; i < n; i++) {
        if (per_request) open_slot(&slots[i]); else send_req(&slots[i]);
    }
    long count = 0;
    struct epoll_event evs[256];
    char buf[256];
    struct linger lg = {1, 0};
    int running = 1;
    while (running) {
        int k = epoll_wait(ep, evs, 256, 50);
        if (k < 0 && errno != EINTR) die("epoll_wait");
        if (now() >= stop) break;
        for (int i = 0; i < k; i++) {
            slot_t *s = evs[i].data.ptr;
            if (evs[i].events & EPOLLOUT) {
                int err = 0; socklen_t len = sizeof err;
                getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) { errno = err; die("connect"); }
                send_req(s);
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
                epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
                continue;
            }
            ssize_t r = recv(s->fd, buf, sizeof buf, 0);
            if (r < 0 && errno == EAGAIN) continue;
            if (r <= 0) { fprintf(stderr, "the server closed the connection\n"); return 1; }
            s->got += r;
            if (s->got < 5) continue;
            count++;
            if (per_request) {
                setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
                close(s->fd);
                open_slot(s);
            } else {
                s->got = 0;
                send_req(s);
            }
        }
    }
    printf("%ld\n", count);
    return 0;
}
"""


def load_binary(work: Path) -> Path | None:
    """The C load client compiled into *work*, or None without a C compiler."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    source, binary = work / "load.c", work / "load"
    source.write_text(LOAD_C)
    subprocess.run([cc, "-O2", "-o", str(binary), str(source)], check=True)
    return binary


def load(port: int, mode: str, workers: int, window: float, binary: Path | None = None) -> float:
    """Requests per second the server on *port* answered during *window* seconds.

    With *binary* (the C client), one process multiplexes every connection
    with epoll, so the client costs far less CPU than the server it drives;
    without, one Python process per connection.
    """
    if binary is not None:
        start = time.time() + 0.5
        argv = [str(binary), str(port), mode, str(workers), repr(start), repr(start + window)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=window + 60)
        if done.returncode != 0:
            raise RuntimeError(f"load client: {done.stderr.strip()}")
        return int(done.stdout) / window
    target = _persistent if mode == "persistent" else _per_request
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    start = time.time() + 0.5
    procs = [
        multiprocessing.Process(target=target, args=(port, start, start + window, queue))
        for _ in range(workers)
    ]
    for p in procs:
        p.start()
    total = sum(queue.get(timeout=window + 60) for _ in procs)
    for p in procs:
        p.join(10)
    return total / window


# --------------------------------------------------------------------------- servers


class Server:
    """A server process on ``port``; ``stop`` ends it."""

    def __init__(self, name: str, argv: list[str], port: int, cwd: Path | None = None) -> None:
        self.name, self.port = name, port
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_port(port)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's processes (its session)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            if int(fields[3]) == self.proc.pid:  # its process group: the server and children
                total += int(fields[11]) + int(fields[12])
        return total / tick

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def sockscen_server(work: Path) -> Server:
    port = free_port()
    mock = work / "pong.yaml"
    mock.write_text(MOCK.format(port=port))
    argv = [sys.executable, "-m", "sockscen", "serve", str(mock), "-q"]
    return Server("sockscen rule server", argv, port)


def trio_server(work: Path) -> Server:
    port = free_port()
    return Server("minimal trio", [sys.executable, "-c", TRIO_SERVER, str(port)], port)


def mountebank_binary(folder: Path) -> Path | None:
    """``mb`` of mountebank 2.9.1 in *folder*, installed there when absent; None without node."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("mountebank skipped: node and npm are needed (apt-get install nodejs npm)")
        return None
    mb = folder / "node_modules" / ".bin" / "mb"
    if not mb.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(folder),
                "--no-audit",
                "--no-fund",
                "mountebank@2.9.1",
            ],
            check=True,
        )
    return mb


def mountebank_server(mb: Path, work: Path) -> Server:
    admin, port = free_port(), free_port()
    argv = [str(mb), "--port", str(admin), "--loglevel", "warn"]
    server = Server("mountebank 2.9.1", argv, admin, cwd=work)  # its mb.log goes there
    imposter = {
        "protocol": "tcp",
        "port": port,
        "mode": "text",
        "stubs": [
            {
                "predicates": [{"equals": {"data": "ping\n"}}],
                "responses": [{"is": {"data": "pong\n"}}],
            }
        ],
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{admin}/imposters",
        data=json.dumps(imposter).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()
    wait_port(port)
    server.port = port
    return server


# --------------------------------------------------------------------------- main


def _figure(values: list[float], digits: int = 0) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:,.{digits}f} [{low:,.{digits}f}-{high:,.{digits}f}]"


def _table(
    starters: list[tuple[str, Callable[[], Server]]],
    loads: list[tuple[str, int]],
    table: dict[tuple[str, str], list[float]],
    title: str,
    digits: int = 0,
) -> None:
    print(f"\n{title}, median [min-max]:")
    print(f"| server | {loads[0][1]} persistent connections | one connection per request |")
    print("| --- | --- | --- |")
    for name, _ in starters:
        persistent, per_request = (_figure(table[(name, m)], digits) for m, _ in loads)
        print(f"| {name} | {persistent} | {per_request} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=float, default=5.0, help="seconds of load per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--per-request-workers", type=int, default=4)
    parser.add_argument("--memory-window", type=float, default=60.0)
    parser.add_argument("--mb-dir", type=Path, default=Path(tempfile.gettempdir()) / "sockscen-mb")
    parser.add_argument(
        "--python-client", action="store_true", help="Python load workers even with a C compiler"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rule-bench-"))
    mb = mountebank_binary(args.mb_dir)
    starters: list[tuple[str, Callable[[], Server]]] = [
        ("sockscen rule server", lambda: sockscen_server(work)),
        ("minimal trio", lambda: trio_server(work)),
    ]
    if mb is not None:
        starters.insert(1, ("mountebank 2.9.1", lambda: mountebank_server(mb, work)))
    loads = [("persistent", args.connections), ("per-request", args.per_request_workers)]
    binary = None if args.python_client else load_binary(work)
    print("load client:", "C, one epoll process" if binary else "Python, a process per connection")
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    figures: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    for round_ in range(args.rounds):
        for name, start in starters:
            server = start()
            try:
                for mode, workers in loads:
                    before = server.cpu_seconds()
                    rate = load(server.port, mode, workers, args.window, binary)
                    used = (server.cpu_seconds() - before) / (rate * args.window) * 1e6
                    figures.setdefault((name, mode), []).append(rate)
                    cpu.setdefault((name, mode), []).append(used)
                    print(
                        f"round {round_ + 1}: {name}, {mode}: {rate:,.0f} req/s, "
                        f"{used:.1f} us server CPU per request",
                        flush=True,
                    )
            finally:
                server.stop()
    print(f"load average at the end: {os.getloadavg()}")
    _table(starters, loads, figures, "requests per second")
    _table(starters, loads, cpu, "server CPU time per request (microseconds)", digits=1)
    if mb is not None:
        for what, table, better in (("req/s", figures, 1), ("CPU/request", cpu, -1)):
            base = {m: statistics.median(table[("mountebank 2.9.1", m)]) for m, _ in loads}
            for name, _ in starters:
                ratios = [
                    (statistics.median(table[(name, m)]) / base[m]) ** better for m, _ in loads
                ]
                print(f"{name} ({what}): {ratios[0]:.2f}x / {ratios[1]:.2f}x mountebank")

    if args.memory_window > 0:
        server = sockscen_server(work)
        try:
            samples = []
            queue_rate: list[float] = []
            proc = multiprocessing.Process(
                target=lambda: queue_rate.append(
                    load(server.port, "persistent", args.connections, args.memory_window, binary)
                )
            )
            proc.start()
            for _ in range(int(args.memory_window // 5) + 1):
                samples.append(server.rss_kib())
                time.sleep(5)  # sampling period of the memory curve
            proc.join(args.memory_window + 60)
            print(
                f"\nrule server RSS every 5s over {args.memory_window:g}s of persistent load (MiB):"
            )
            print(" ".join(f"{s / 1024:.1f}" for s in samples))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
