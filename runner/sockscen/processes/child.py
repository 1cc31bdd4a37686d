"""Spawning a program that dies with its runner, and waiting for it under trio.

Linux sends a child's ``PR_SET_PDEATHSIG`` signal when the *thread* that
forked it ends, not the process.  trio forks in its worker threads, which end
after a few idle seconds, so a program spawned there would be killed while
the scenario still needs it.  ``Spawner`` therefore forks in threads that live
as long as the interpreter, and ``Child`` is the small part of
``trio.Process`` this package uses, built on that ``subprocess.Popen``.
Once the runner is gone (even by SIGKILL) every program it started gets
SIGKILL from the kernel (``arming`` says how each program is armed).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import subprocess
import weakref
from collections.abc import Callable, Sequence

import trio

from .arming import launch

#: Threads that fork programs; they never end before the interpreter does.
SPAWN_THREADS = 4


class Child:
    """A started program: ``pid``, ``returncode``, ``wait()`` and its pipes as trio streams."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        stdin: trio.lowlevel.FdStream | None,
        stdout: trio.lowlevel.FdStream,
        stderr: trio.lowlevel.FdStream,
    ) -> None:
        self._popen = popen
        self.pid = popen.pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self._lock = trio.Lock()
        self._pidfd: int | None = None
        with contextlib.suppress(OSError, AttributeError):
            # Unreaped, the pid cannot name another process yet.
            self._pidfd = os.pidfd_open(popen.pid)
            weakref.finalize(self, _close_quietly, self._pidfd)

    @property
    def returncode(self) -> int | None:
        """The exit status (negative: killed by that signal), None while running; reaps."""
        return self._popen.poll()

    async def wait(self) -> int:
        """Return the exit status once the program has exited (and reap it)."""
        async with self._lock:
            if self._popen.poll() is None:
                if self._pidfd is not None:
                    await trio.lowlevel.wait_readable(self._pidfd)
                else:
                    await trio.to_thread.run_sync(self._popen.wait, abandon_on_cancel=True)
            return self._popen.wait()  # exited: this only collects the status


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


class Spawner:
    """Forks programs in long-lived threads, so ``PR_SET_PDEATHSIG`` fires only with the runner."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    async def open(
        self,
        argv: Sequence[str],
        *,
        stdin_pipe: bool,
        cwd: str,
        env: dict[str, str],
        forked: Callable[[int], object],
    ) -> Child:
        """Start *argv* leading a new session, stdout and stderr piped; raises ``OSError``.

        *forked* gets the pid as soon as the program runs, in the spawning
        thread (it must be thread-safe), before this returns to trio.
        """
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                SPAWN_THREADS, thread_name_prefix="sockscen-spawn"
            )
        ends: list[int] = []
        try:
            in_r, in_w = os.pipe() if stdin_pipe else (subprocess.DEVNULL, -1)
            ends += [e for e in (in_r, in_w) if e >= 0]
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            ends += [out_r, out_w, err_r, err_w]
            future = self._pool.submit(_popen, argv, (in_r, out_w, err_w), cwd, env, forked)
            popen = await _result(future)
        except BaseException:
            for fd in ends:
                _close_quietly(fd)
            raise
        for fd in (in_r, out_w, err_w):
            if fd >= 0:
                _close_quietly(fd)
        stdin = trio.lowlevel.FdStream(in_w) if stdin_pipe else None
        return Child(popen, stdin, trio.lowlevel.FdStream(out_r), trio.lowlevel.FdStream(err_r))


def _popen(
    argv: Sequence[str],
    pipes: tuple[int, int, int],
    cwd: str,
    env: dict[str, str],
    forked: Callable[[int], object],
) -> subprocess.Popen[bytes]:
    """Start *argv* armed to die with this runner (``arming.launch`` says how); in a spawner."""
    args, preexec = launch(argv, cwd, env, os.getpid())
    stdin, stdout, stderr = pipes
    popen = subprocess.Popen(
        args,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        cwd=cwd,
        env=env,
        start_new_session=True,
        preexec_fn=preexec,
    )
    forked(popen.pid)
    return popen


async def _result(
    future: concurrent.futures.Future[subprocess.Popen[bytes]],
) -> subprocess.Popen[bytes]:
    """The spawn's outcome; not cancellable (as trio's own spawn): a started child must be known."""
    token = trio.lowlevel.current_trio_token()
    done = trio.Event()
    future.add_done_callback(lambda _: token.run_sync_soon(done.set))
    with trio.CancelScope(shield=True):
        await done.wait()
    return future.result()


#: The spawner of this interpreter.
SPAWNER = Spawner()
