"""The paths of bench/proxy_overhead.py: an echo server, the relays in front of it, their CPU.

Kept apart from the measuring so each file holds one job: this one starts
and watches processes, the other times round trips through them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

ECHO_SERVER = r"""
import socket, sys, threading
kind, port = sys.argv[1], int(sys.argv[2])
if kind == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(64)
def serve(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    mode = c.recv(1)
    total = 0
    while True:
        data = c.recv(262144)
        if not data:
            break
        if mode == b"e":
            c.sendall(data)
        else:
            total += len(data)
    if mode == b"s":
        c.sendall(str(total).encode())
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

#: A minimal raw trio relay: what any trio relay costs, next to sockscen's own.
TRIO_RELAY = r"""
import socket, sys, trio
kind, listen, up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def pump(a, b):
    while data := await a.receive_some(65536):
        await b.send_all(data)
    await b.send_eof()
async def handle(client):
    upstream = await trio.open_tcp_stream("127.0.0.1", up)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(pump, client, upstream)
        nursery.start_soon(pump, upstream, client)
async def replies(out, down, peer):
    while True:
        try:
            data = out.recv(65536)
        except BlockingIOError:
            await trio.lowlevel.wait_readable(out)
            continue
        down.sendto(data, peer)
async def udp():
    down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    down.bind(("127.0.0.1", listen))
    down.setblocking(False)
    ups = {}
    async with trio.open_nursery() as nursery:
        while True:
            try:
                data, peer = down.recvfrom(65536)
            except BlockingIOError:
                await trio.lowlevel.wait_readable(down)
                continue
            out = ups.get(peer)
            if out is None:
                out = ups[peer] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                out.setblocking(False)
                out.connect(("127.0.0.1", up))
                nursery.start_soon(replies, out, down, peer)
            out.send(data)
trio.run(udp) if kind == "udp" else trio.run(trio.serve_tcp, handle, listen)
"""

#: A relay with no event loop: two blocking threads per connection (or per UDP sender).
#: What Python costs when the scheduler's wake-ups are left out (not a design we can use:
#: a proxy shares its process with the scenario's other actors, and with their timeouts).
THREAD_RELAY = r"""
import socket, sys, threading
kind, listen, up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def pump(a, b):
    while data := a.recv(65536):
        b.sendall(data)
    b.shutdown(socket.SHUT_WR)
def replies(out, down, peer):
    while True:
        down.sendto(out.recv(65536), peer)
if kind == "udp":
    down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    down.bind(("127.0.0.1", listen))
    ups = {}
    while True:
        data, peer = down.recvfrom(65536)
        out = ups.get(peer)
        if out is None:
            out = ups[peer] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            out.connect(("127.0.0.1", up))
            threading.Thread(target=replies, args=(out, down, peer), daemon=True).start()
        out.send(data)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen))
srv.listen(64)
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", up))
    for s in (c, u):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=pump, args=(c, u), daemon=True).start()
    threading.Thread(target=pump, args=(u, c), daemon=True).start()
"""

PROXY_SCENARIO = """\
name: proxy for the benchmark
timeout: 1h
proxies:
  p:
    listen: {scheme}://127.0.0.1:{port}
    upstream: {scheme}://127.0.0.1:{upstream}
clients:
  idle:                     # keeps the scenario (and so the proxy) up until it is stopped
    connect: ${{p.url}}
    steps:
      - sleep: 1h
"""


def free_ports(kind: int, n: int) -> list[int]:
    """*n* distinct free ports: all held at once while picked, so no two paths share one."""
    with contextlib.ExitStack() as stack:
        held = [stack.enter_context(socket.socket(socket.AF_INET, kind)) for _ in range(n)]
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in held]


def wait_tcp(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def wait_udp(port: int) -> None:
    deadline = time.monotonic() + 15
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.connect(("127.0.0.1", port))
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                s.send(b"x")
                s.recv(16)
                return
    raise SystemExit(f"no UDP echo on port {port}")


@contextlib.contextmanager
def process(
    argv: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run *argv* for the block, in a process group of its own, stopped whole at the end.

    socat forks a child per TCP connection and per UDP sender, and a UDP child
    waits for its sender for ever: stopping socat alone left them running.
    Its stderr goes to a file, for when it ends early.
    """
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True
        )
        try:
            yield proc
        finally:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            _signal_group(proc.pid, signal.SIGKILL)  # children that outlived the leader
        if proc.returncode not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
            errors.seek(0)
            print(f"{argv[0]} ended with {proc.returncode}: {errors.read().decode()[-2000:]}")


def _signal_group(pgid: int, signum: int) -> None:
    """Signal the group we started for one path (its leader's pid is the group's id)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int | None) -> float:
    """CPU seconds (user+sys) of *pid*, its live descendants and its reaped children.

    socat forks a child per connection (per sender for UDP): the work is there.
    """
    if pid is None:
        return 0.0
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        # After the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15).
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / _TICK
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo += [c for c, parent in parents.items() if parent == p]
    return total
