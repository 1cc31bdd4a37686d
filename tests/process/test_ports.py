"""Port allocation for process servers: free, never handed out twice, across processes too."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sockscen.addresses import Address
from sockscen.errors import SetupError
from sockscen.ports import POOL_LOW, PortRegistry, _ephemeral_low
from tests.process.proctools import REPO

TCP0 = Address("tcp", "127.0.0.1", 0)
UDP0 = Address("udp", "127.0.0.1", 0)


@pytest.fixture
def registry(tmp_path: Path) -> PortRegistry:
    reg = PortRegistry(str(tmp_path / "locks"))
    yield reg  # type: ignore[misc]
    reg.release_all()


def bindable(address: Address) -> bool:
    kind = socket.SOCK_STREAM if address.scheme == "tcp" else socket.SOCK_DGRAM
    family = socket.AF_INET6 if address.is_ipv6 else socket.AF_INET
    with socket.socket(family, kind) as sock:
        try:
            sock.bind((address.host, address.port))
        except OSError:
            return False
    return True


def test_port_zero_becomes_a_free_port(registry: PortRegistry) -> None:
    tcp = registry.reserve(TCP0)
    udp = registry.reserve(UDP0)
    for address in (tcp, udp):
        assert address.port != 0
        assert bindable(address)
    assert tcp.host == "127.0.0.1"
    assert tcp.scheme == "tcp"
    assert udp.scheme == "udp"


def test_ports_come_from_below_the_ephemeral_range(registry: PortRegistry) -> None:
    if _ephemeral_low() - POOL_LOW < 1000:
        pytest.skip("this machine's ephemeral range leaves no room below it")
    ports = [registry.reserve(TCP0).port for _ in range(20)]
    assert all(POOL_LOW <= p < _ephemeral_low() for p in ports)


def test_ipv6_loopback(registry: PortRegistry) -> None:
    if not socket.has_ipv6 or not bindable(Address("tcp", "::1", 0)):
        pytest.skip("no IPv6 loopback here")
    address = registry.reserve(Address("tcp", "::1", 0))
    assert address.port != 0
    assert bindable(address)


def test_fixed_ports_and_unix_paths_are_left_alone(registry: PortRegistry) -> None:
    fixed = Address("tcp", "127.0.0.1", 6379)
    unix = Address("unix", path="app.sock")
    assert registry.reserve(fixed) is fixed
    assert registry.reserve(unix) is unix
    assert registry.reserved == frozenset()


def test_a_port_is_never_handed_out_twice(registry: PortRegistry) -> None:
    ports = [registry.reserve(TCP0 if i % 2 else UDP0).port for i in range(300)]
    assert len(set(ports)) == len(ports)
    assert registry.reserved == frozenset(ports)


def test_the_same_first_choice_is_skipped_while_reserved(tmp_path: Path) -> None:
    # Two registries drawing the same random sequence, sharing one lock folder
    # (as two sockscen processes would): the second must not get the first's port.
    first = PortRegistry(str(tmp_path / "locks"), seed=7)
    second = PortRegistry(str(tmp_path / "locks"), seed=7)
    a = first.reserve(TCP0)
    b = second.reserve(TCP0)
    assert a.port != b.port
    first.release_all()
    second.release_all()


def test_a_lock_file_holds_the_owner_pid_and_goes_on_release(tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    registry = PortRegistry(str(locks))
    address = registry.reserve(TCP0)
    assert (locks / str(address.port)).read_text() == f"{os.getpid()}\n"
    registry.release(address)
    assert not (locks / str(address.port)).exists()
    assert registry.reserved == frozenset()


def test_a_stale_lock_of_a_dead_process_is_reclaimed(tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    locks.mkdir(mode=0o700)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    seed = 11
    first_choice = random.Random(seed).randrange(POOL_LOW, _ephemeral_low())
    if not bindable(Address("tcp", "127.0.0.1", first_choice)):
        pytest.skip(f"port {first_choice} happens to be busy")
    (locks / str(first_choice)).write_text(dead.stdout.decode())

    registry = PortRegistry(str(locks), seed=seed)
    assert registry.reserve(TCP0).port == first_choice
    registry.release_all()


def test_a_lock_of_a_live_process_is_respected(tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    locks.mkdir(mode=0o700)
    seed = 11
    first_choice = random.Random(seed).randrange(POOL_LOW, _ephemeral_low())
    (locks / str(first_choice)).write_text(f"{os.getppid()}\n")

    registry = PortRegistry(str(locks), seed=seed)
    assert registry.reserve(TCP0).port != first_choice
    registry.release_all()


def test_a_lock_path_that_is_not_a_folder_is_not_used(tmp_path: Path) -> None:
    # A plain file where the folder should be: locking is skipped, reserving still works.
    blocker = tmp_path / "locks"
    blocker.write_text("not a folder")
    registry = PortRegistry(str(blocker))
    assert registry.reserve(TCP0).port != 0
    registry.release_all()


def test_an_unknown_host_is_a_setup_error(registry: PortRegistry) -> None:
    with pytest.raises(SetupError, match=r"unknown host 'no-such-host\.invalid'"):
        registry.reserve(Address("tcp", "no-such-host.invalid", 0))


def test_a_host_not_on_this_machine_is_a_setup_error(registry: PortRegistry) -> None:
    with pytest.raises(SetupError, match=r"cannot find a free port for tcp://192\.0\.2\.1:0"):
        registry.reserve(Address("tcp", "192.0.2.1", 0))


RESERVE_MANY = """
import json, sys
sys.path.insert(0, sys.argv[1])
from sockscen.addresses import Address
from sockscen.ports import PortRegistry
registry = PortRegistry(sys.argv[2])
ports = [registry.reserve(Address("tcp", "127.0.0.1", 0)).port for _ in range(150)]
print(json.dumps(ports), flush=True)
sys.stdin.read()  # hold the reservations until the test has seen every process's ports
"""


def test_concurrent_processes_never_get_the_same_port(tmp_path: Path) -> None:
    locks = str(tmp_path / "locks")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RESERVE_MANY, str(REPO / "runner"), locks],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    try:
        seen = [json.loads(p.stdout.readline()) for p in procs]  # type: ignore[union-attr]
    finally:
        for p in procs:
            p.communicate(timeout=20)
    every = [port for ports in seen for port in ports]
    assert len(every) == 450
    assert len(set(every)) == 450
    # Each process removed its lock files at exit.
    assert os.listdir(locks) == []


def test_a_held_port_is_skipped_by_a_runner_with_other_locks(tmp_path: Path) -> None:
    """Two users (or two TMPDIRs) have different lock folders: the held port keeps them apart."""
    first = PortRegistry(str(tmp_path / "alice"), seed=7)
    second = PortRegistry(str(tmp_path / "bob"), seed=7)  # draws the same candidates
    try:
        held = first.reserve(TCP0, hold=True)
        assert second.reserve(TCP0).port != held.port
        first.unhold(held)
        # Unheld, the program can bind it (without SO_REUSEADDR).
        with socket.socket() as program:
            program.bind(("127.0.0.1", held.port))
    finally:
        first.release_all()
        second.release_all()
