"""Free ports for process servers whose ``listen`` address says port 0.

A scripted server binds port 0 itself and reads the port back; a process
server cannot (the port must be on its command line before it starts), so
the runner picks one here and passes it in through ``${NAME.port}``.

Between picking a port and the program binding it there is a window in
which someone else could take it.  Three things keep that window harmless:

* a port reserved in this process is never handed out again until released;
* an ``O_EXCL`` lock file per port in ``/tmp/sockscen-ports-<uid>/`` (holding
  the owner's pid) keeps other sockscen processes (pytest-xdist workers, two
  runs at once) away from it; files whose owner died are reclaimed;
* the port stays bound by a socket of ours until ``unhold`` (just before the
  program starts): the kernel refuses it to everyone else, so sockscen
  processes of other users or other TMPDIRs (whose lock folders differ) skip
  it too.  A shared lock folder could do the same, but another local user
  could plant or poison it; the kernel cannot be.  The window left is the
  program's own start-up;
* ports are drawn at random *below* the kernel's ephemeral range, where the
  outgoing connections of hundreds of concurrent clients cannot land on them
  (with a fallback to the kernel's own choice).

This module opens sockets only to test that a port is free; it belongs to
the engine layer.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import socket
import stat
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable

from .addresses import Address
from .errors import Location, SetupError

#: Lowest port drawn from; below this live many well-known services.
POOL_LOW = 20000
#: Random candidates tried below the ephemeral range before asking the kernel.
RANDOM_TRIES = 64
#: Attempts with the kernel's choice (bind port 0) when random candidates all failed.
KERNEL_TRIES = 64
#: A lock file without a pid younger than this is being written, not abandoned.
EMPTY_LOCK_GRACE = 60.0


def _ephemeral_low() -> int:
    """First port of the kernel's range for outgoing connections (Linux; 32768 elsewhere)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _default_lock_dir() -> str:
    return os.path.join(tempfile.gettempdir(), f"sockscen-ports-{os.getuid()}")


def pid_alive(pid: int) -> bool:
    """True while some process has this pid (a zombie, or another user's process, counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PortRegistry:
    """Hands out free ports for ``tcp``/``udp`` addresses with port 0, each to one user at a time.

    ``lock_dir`` None means ``/tmp/sockscen-ports-<uid>/``; when that folder
    cannot be used safely (not ours, not a folder) only the in-process
    guard applies.
    """

    def __init__(self, lock_dir: str | None = None, *, seed: int | None = None) -> None:
        self._locks = LockFolder(lock_dir or _default_lock_dir())
        self._mine: dict[int, str | None] = {}
        self._held: dict[int, socket.socket] = {}
        self._guard = threading.Lock()
        self._random = random.Random(seed)
        _REGISTRIES.add(self)

    @property
    def reserved(self) -> frozenset[int]:
        """Ports this registry holds right now."""
        with self._guard:
            return frozenset(self._mine)

    def reserve(
        self, address: Address, location: Location | None = None, *, hold: bool = False
    ) -> Address:
        """*address* with a free port in place of port 0 (other addresses come back unchanged).

        With *hold*, the port stays bound by this registry until ``unhold``
        (call it just before the program that binds it starts).

        Raises ``SetupError`` (at *location*) when no free port can be found
        on the address's host, e.g. a host that is not on this machine.
        """
        if address.is_unix or address.port != 0:
            return address
        kind = socket.SOCK_STREAM if address.scheme == "tcp" else socket.SOCK_DGRAM
        family = self._family(address, kind, location)
        with self._guard:
            low = _ephemeral_low()
            if low - POOL_LOW >= 1000:
                for _ in range(RANDOM_TRIES):
                    port = self._random.randrange(POOL_LOW, low)
                    if self._try(port, address.host, family, kind, hold):
                        return address.with_port(port)
            last_error: OSError | None = None
            for _ in range(KERNEL_TRIES):
                try:
                    port = self._kernel_port(address.host, family, kind)
                except OSError as exc:
                    last_error = exc
                    break
                if self._try(port, address.host, family, kind, hold):
                    return address.with_port(port)
        reason = last_error.strerror if last_error is not None else "every candidate was taken"
        raise SetupError(
            f"cannot find a free port for {address}: {reason} "
            "— check that the host is an address of this machine (127.0.0.1 or ::1)",
            location,
        )

    def unhold(self, address: Address) -> None:
        """Unbind the port of *address* so its program can bind it (it stays reserved)."""
        if address.is_unix:
            return
        with self._guard:
            held = self._held.pop(address.port, None)
        if held is not None:
            held.close()

    def release(self, address: Address) -> None:
        """Give back the port of *address* (a no-op for a port this registry did not reserve)."""
        if address.is_unix:
            return
        with self._guard:
            if address.port in self._mine:
                self._unlock(address.port)

    def clear_stale(self) -> list[int]:
        """Remove the lock files of runners that have died; return their ports."""
        return self._locks.clear_stale(self._mine)

    def release_all(self) -> None:
        """Give back every port (at exit, and for tests)."""
        with self._guard:
            for port in list(self._mine):
                self._unlock(port)

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _family(address: Address, kind: int, location: Location | None) -> int:
        try:
            infos = socket.getaddrinfo(address.host, None, type=kind, flags=socket.AI_NUMERICSERV)
        except socket.gaierror as exc:
            raise SetupError(
                f"cannot pick a port for {address}: unknown host {address.host!r} ({exc.strerror})",
                location,
            ) from None
        return int(infos[0][0])

    @staticmethod
    def _bound(port: int, host: str, family: int, kind: int) -> socket.socket | None:
        # No SO_REUSEADDR: a port with connections in TIME_WAIT is refused here, as it would be
        # for a server that does not set the option either; and while we hold it, nobody
        # else can bind it, with the option or without.
        sock = socket.socket(family, kind)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            return None
        return sock

    @staticmethod
    def _kernel_port(host: str, family: int, kind: int) -> int:
        with socket.socket(family, kind) as sock:
            sock.bind((host, 0))
            return int(sock.getsockname()[1])

    def _try(self, port: int, host: str, family: int, kind: int, hold: bool) -> bool:
        if port in self._mine:
            return False
        held = self._bound(port, host, family, kind)
        if held is None:
            return False
        lock = self._locks.lock(port)
        if lock is False:
            held.close()
            return False
        self._mine[port] = lock if isinstance(lock, str) else None
        if hold:
            self._held[port] = held
        else:
            held.close()
        return True

    def _unlock(self, port: int) -> None:
        held = self._held.pop(port, None)
        if held is not None:
            held.close()
        path = self._mine.pop(port, None)
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)


class LockFolder:
    """This user's folder of ``O_EXCL`` lock files, one per port, each holding its owner's pid."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._ok: bool | None = None

    def usable(self) -> bool:
        """True when the folder is this user's own (made if missing); stale locks go first."""
        if self._ok is None:
            with contextlib.suppress(FileExistsError, OSError):
                os.mkdir(self.path, 0o700)
            try:
                st = os.lstat(self.path)
            except OSError:
                self._ok = False
            else:
                # Another user's folder (or a symlink planted there) must not be trusted.
                self._ok = stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            if self._ok:
                self.clear_stale()
        return self._ok

    def clear_stale(self, mine: Iterable[int] = ()) -> list[int]:
        """Remove the lock files of runners that have died (a SIGKILL leaves them); return ports.

        A file counts only when it names a port and holds the pid of a process
        that no longer exists; the folder is this user's own (mode 0700).
        """
        cleared: list[int] = []
        try:
            names = os.listdir(self.path)
        except OSError:
            return cleared
        for name in names:
            path = os.path.join(self.path, name)
            if not name.isdigit() or int(name) in mine:
                continue
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(path).st_mode) and self._stale(path):
                    os.unlink(path)
                    cleared.append(int(name))
        return cleared

    def lock(self, port: int) -> str | bool:
        """The lock file's path once created; True when locking is unavailable; False when taken."""
        if not self.usable():
            return True
        path = os.path.join(self.path, str(port))
        for _ in range(2):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                if self._stale(path):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
                    continue
                return False
            except OSError:
                return True
            try:
                os.write(fd, f"{os.getpid()}\n".encode())
            finally:
                os.close(fd)
            return path
        return False

    @staticmethod
    def _stale(path: str) -> bool:
        try:
            with open(path) as f:
                text = f.read().strip()
            age = time.time() - os.stat(path).st_mtime
        except FileNotFoundError:
            return True
        except OSError:
            return False
        if not text.isdigit():
            return age > EMPTY_LOCK_GRACE
        return not pid_alive(int(text))


#: Every registry, so the lock files of all of them go at interpreter exit.
_REGISTRIES: weakref.WeakSet[PortRegistry] = weakref.WeakSet()


@atexit.register
def _release_everything() -> None:
    for registry in list(_REGISTRIES):
        registry.release_all()


#: The registry the engine uses.
PORTS = PortRegistry()
