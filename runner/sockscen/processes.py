"""Process servers and process clients: start, capture output, await readiness, stop groups.

Every program is started with ``start_new_session=True`` so it leads its own
process group (pgid == pid).  Signals always go to the whole group
(``os.killpg``): a ``sh -c`` wrapper, a forking daemon or a client that
started helpers all die together.  Whatever ends a scenario (pass, failure,
timeout, Ctrl-C, an exception) the group is killed and the leader reaped in a
shielded ``finally`` with its own bounded deadline.

Output is read continuously into bounded tail buffers, so a chatty program
neither eats memory nor blocks on a full pipe.

The engine drives this module through ``start_server`` / ``ServerProcess``
and ``run_client``; failures of a process under test come back as values
(``ActorResult`` with a ``Failure``), problems building the world (a missing
command, a server that never became ready) as ``SetupError``.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import math
import os
import re
import secrets
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import trio

from .addresses import Address
from .durations import format_duration
from .errors import Location, SetupError
from .matchers import Exact, Matcher, Mismatch, Regex
from .model import Command, ProcessClient, ProcessServer, Ready
from .placeholders import PlaceholderError, Ref, Template
from .rendering import escape_bytes
from .results import (
    TRANSCRIPT_DATA_LIMIT,
    ActorResult,
    EventKind,
    Failure,
    Outcome,
    ProcessOutput,
    Role,
    TranscriptEntry,
)
from .transport import probe_connect

#: Bytes of stdout and of stderr kept per process (the tail; older bytes are counted, not kept).
OUTPUT_TAIL_LIMIT = 64 * 1024
#: Bytes of a client's output kept when ``expect_stdout``/``expect_stderr`` must see all of it.
CHECKED_OUTPUT_LIMIT = 16 * 1024 * 1024
#: Bytes of each stream recorded in the transcript; after that only the tail buffer keeps output.
TRANSCRIPT_OUTPUT_LIMIT = 64 * 1024
#: Longest partial line kept while looking for a readiness line.
READY_LINE_LIMIT = 64 * 1024
#: How long a SIGKILLed group gets to disappear and its leader to be reaped.
KILL_GRACE = 5.0
#: How long output readers get to reach end-of-file after the process is gone.
DRAIN_TIMEOUT = 1.0
#: Readiness polling: first pause, growth factor and longest pause between checks.
POLL_FIRST = 0.01
POLL_GROWTH = 1.5
POLL_MAX = 0.1
#: Lines of each stream quoted in error messages and failure details.
TAIL_LINES = 12

Stream = Literal["stdout", "stderr"]


# --------------------------------------------------------------------------- context and commands


@dataclass(frozen=True)
class ProcessContext:
    """What a process needs from its scenario.

    ``lookup`` resolves placeholders (and raises ``PlaceholderError`` for an
    unknown reference); ``directory`` is the scenario file's folder, the
    default working directory and the base of a relative ``cwd`` or ready
    ``path``; ``started`` is ``time.perf_counter()`` when the scenario started,
    the zero of transcript times (the clock every actor's transcript uses).
    """

    lookup: Callable[[Ref], str]
    directory: str
    started: float


@dataclass(frozen=True)
class PreparedCommand:
    """A ``Command`` with every placeholder expanded: what is handed to the OS."""

    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The argv as a shell would read it, for messages."""
        return shlex.join(self.argv)


def _expand(
    template: Template, lookup: Callable[[Ref], str], what: str, label: str, location: Location
) -> str:
    try:
        return template.expand(lookup)
    except PlaceholderError as exc:
        raise SetupError(
            f"{label}: cannot expand {what} {template.source!r}: {exc}", location
        ) from None


def expand_command(
    command: Command, lookup: Callable[[Ref], str], directory: str, label: str
) -> PreparedCommand:
    """Expand placeholders in argv, env values and cwd; resolve cwd against *directory*.

    ``shell: true`` becomes ``/bin/sh -c COMMAND`` (extra elements become
    ``$0``, ``$1``...).  ``env`` holds only the scenario's additions; the
    inherited environment is added when spawning.  Raises ``SetupError``
    located at the command for an unknown placeholder.
    """
    loc = command.location
    argv = [_expand(t, lookup, "argument", label, loc) for t in command.argv]
    if not argv or not argv[0]:
        raise SetupError(f"{label}: the command is empty; give the program to run", loc)
    if command.shell:
        argv = ["/bin/sh", "-c", *argv]
    env = {name: _expand(value, lookup, f"env {name}", label, loc) for name, value in command.env}
    if command.cwd is None:
        cwd = directory
    else:
        cwd = os.path.join(directory, _expand(command.cwd, lookup, "cwd", label, loc))
    return PreparedCommand(tuple(argv), os.path.normpath(cwd), env)


def describe_status(returncode: int) -> str:
    """``exit status 3`` or ``signal SIGKILL (9)`` for a negative return code."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "signal"
    return f"signal {name} ({-returncode})"


def _spawn_error(exc: OSError, prepared: PreparedCommand, label: str) -> str:
    program = prepared.argv[0]
    start = f"{label}: cannot start {prepared.display}"
    if exc.filename is not None and os.fspath(exc.filename) == prepared.cwd:
        # subprocess names the folder when the child's chdir failed.
        return (
            f"{start}: cannot enter the working directory {prepared.cwd}: "
            f"{exc.strerror or exc} — check cwd"
        )
    if isinstance(exc, FileNotFoundError):
        where = "relative to the working directory" if os.sep in program else "on PATH"
        return (
            f"{start}: no such file or directory: {program!r} (looked {where}, cwd {prepared.cwd}) "
            "— check the command's spelling and that the program is installed"
        )
    if isinstance(exc, PermissionError):
        return (
            f"{start}: permission denied: {program!r} is not executable "
            "— make it executable (chmod +x) or run it through its interpreter, "
            f"e.g. [python3, {program}]"
        )
    if exc.errno == 8:  # ENOEXEC: a script without a #! line
        return (
            f"{start}: {program!r} is not a program the system can run (exec format error) "
            f"— add a #! line or run it through its interpreter, e.g. [python3, {program}]"
        )
    return f"{start}: {exc.strerror or exc} — check the command"


# --------------------------------------------------------------------------- process groups

#: Process groups started by this module and not yet known to be gone: pgid -> label.
_LIVE_GROUPS: dict[int, str] = {}

#: The environment variable that marks every process we start, and its descendants.
TOKEN_VARIABLE = "SOCKSCEN_PROCESS_TOKEN"
#: Marker tokens of the processes started by this module: leader pid -> token.
_TOKENS: dict[int, str] = {}
#: Pids this module started (our own children) and has not yet seen reaped.
_SPAWNED: set[int] = set()
#: True once this process adopts orphans (see ``adopt_orphans``).
_ADOPTING = False
#: Spawns under way: trio forks in a worker thread, so a new child exists (as
#: our child) before its pid is known here; no adopted-orphan sweep meanwhile.
_SPAWNING = 0
#: prctl option making this process the reaper of its descendants' orphans (Linux).
_PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> bool:
    """Become a child subreaper, so orphans of the programs we start become our children.

    Some daemons overwrite their environment (to set a process title), which
    hides the marker ``sweep_escaped`` looks for; as our children they are
    still found by ``sweep_adopted``.  Meant for a process that starts no
    children of its own beside ours (the ``sockscen`` command); returns False
    where the kernel does not offer it.
    """
    global _ADOPTING
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    _ADOPTING = True
    return True


def _marked_live(pid_text: str) -> bool:
    """True when the process carries the marker of a program of ours still running."""
    try:
        with open(f"/proc/{pid_text}/environ", "rb") as f:
            environ = f.read().split(b"\0")
    except OSError:
        return False
    live = {f"{TOKEN_VARIABLE}={token}".encode() for token in _TOKENS.values()}
    return not live.isdisjoint(environ)


def sweep_adopted() -> list[int]:
    """SIGKILL (and reap) orphans adopted from our programs; return their pids.

    Only with ``adopt_orphans`` on: a child of ours that we did not start is an
    adopted orphan.  One still in the process group of a running server, or
    still carrying the marker of a running program, is that program's worker
    and is left alone.
    """
    killed: list[int] = []
    if not _ADOPTING or _SPAWNING:
        return killed
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return killed
    for entry in entries:
        if not entry.isdigit() or int(entry) in _SPAWNED:
            continue
        info = _read_stat(entry)
        if info is None or info[1] != me or info[2] in _LIVE_GROUPS or _marked_live(entry):
            continue
        pid = int(entry)
        if info[0] not in ("Z", "X"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it if it is already dead (we adopted it)
    return killed


def sweep_escaped(token: str) -> list[int]:
    """SIGKILL processes that carry *token* in their environment; return their pids.

    A program that daemonizes or calls ``setsid`` leaves its process group,
    so killing the group misses it; its environment still holds the marker
    every process we start inherits.  Only processes marked by this run are
    touched.
    """
    needle = f"{TOKEN_VARIABLE}={token}".encode()
    killed: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return killed
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry), signal.SIGKILL)
                killed.append(int(entry))
    return killed


def _killpg(pgid: int, sig: int) -> bool:
    """Signal the group; False when nothing is left in it (or it is not ours to signal)."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _read_stat(pid_text: str) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) of a process, from ``/proc``."""
    try:
        with open(f"/proc/{pid_text}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    if len(fields) < 3:
        return None
    return fields[0].decode(), int(fields[1]), int(fields[2])


def group_members(pgid: int) -> list[int] | None:
    """Live (non-zombie) processes of process group *pgid*, read from ``/proc``.

    None when ``/proc`` is not available (then only ``killpg`` can tell).
    Zombies are left out: they are dead, and only their parent (or init)
    can reap them.
    """
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    if not os.path.exists("/proc/self/stat"):
        return None
    members = []
    for entry in entries:
        if not entry.isdigit():
            continue
        stat = _read_stat(entry)
        if stat is not None and stat[2] == pgid and stat[0] not in ("Z", "X"):
            members.append(int(entry))
    return members


def _group_alive(pgid: int) -> bool:
    members = group_members(pgid)
    if members is None:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    return bool(members)


async def _wait_group_gone(pgid: int, deadline: float) -> bool:
    """Poll until group *pgid* has no live member or *deadline* passes; True when it is empty."""
    pause = POLL_FIRST
    while _group_alive(pgid):
        if trio.current_time() >= deadline:
            return False
        await trio.sleep(min(pause, max(deadline - trio.current_time(), 0)))
        pause = min(pause * POLL_GROWTH, POLL_MAX)
    return True


def kill_remaining() -> list[int]:
    """SIGKILL every process group this module started and has not seen gone; return their pgids.

    A last-resort safety net (registered with ``atexit``, and for a CLI's
    emergency exit path): normal paths stop every group themselves.
    """
    killed = []
    for pgid in list(_LIVE_GROUPS):
        if _killpg(pgid, signal.SIGKILL):
            killed.append(pgid)
        _LIVE_GROUPS.pop(pgid, None)
    for leader in list(_TOKENS):
        sweep_escaped(_TOKENS.pop(leader))
    sweep_adopted()
    return killed


atexit.register(kill_remaining)


async def _end_group(
    proc: trio.Process,
    sig: int,
    grace: float,
    note: Callable[[str], None],
) -> bool:
    """Signal the group, wait up to *grace* seconds for it to go, then SIGKILL the rest.

    Shielded from cancellation with its own bounded deadline; reaps the
    leader.  Returns True when SIGKILL was needed.  The group id is the
    leader's pid; the kernel does not hand that number to a new process while
    the leader is unreaped or any member of its group lives, so the signal
    reaches only processes this run started.
    """
    pgid = proc.pid
    killed = False
    with trio.CancelScope(shield=True):
        if sig != signal.SIGKILL and (proc.returncode is None or _group_alive(pgid)):
            _killpg(pgid, sig)
            note(f"sent {signal.Signals(sig).name} to process group {pgid}")
            deadline = trio.current_time() + grace
            with trio.move_on_at(deadline):
                await proc.wait()
            await _wait_group_gone(pgid, deadline)
        if proc.returncode is None or _group_alive(pgid):
            # The leader ignored the signal, or children outlived it: nothing may survive.
            _killpg(pgid, signal.SIGKILL)
            killed = True
            note(f"sent SIGKILL to process group {pgid}")
        deadline = trio.current_time() + KILL_GRACE
        with trio.move_on_at(deadline):
            await proc.wait()
        if proc.returncode is None:
            note(f"process {pgid} did not die within {format_duration(KILL_GRACE)} of SIGKILL")
            return killed
        if await _wait_group_gone(pgid, deadline):
            _LIVE_GROUPS.pop(pgid, None)
        else:
            left = format_duration(KILL_GRACE)
            note(f"process group {pgid} still has members {left} after SIGKILL")
        _SPAWNED.discard(pgid)
        token = _TOKENS.pop(pgid, None)
        escaped = sweep_escaped(token) if token is not None else []
        escaped += sweep_adopted()
        if escaped:
            pids = ", ".join(map(str, escaped))
            note(f"killed {len(escaped)} process(es) that had left the group: {pids}")
    return killed


async def _spawn(
    prepared: PreparedCommand, label: str, location: Location, *, stdin: int
) -> trio.Process:
    """Start the program as the leader of a new process group; map OS errors to ``SetupError``."""
    global _SPAWNING
    if not os.path.isdir(prepared.cwd):
        raise SetupError(
            f"{label}: cannot start {prepared.display}: "
            f"the working directory {prepared.cwd} does not exist "
            "— check cwd (a relative cwd is relative to the scenario file's folder)",
            location,
        )
    token = secrets.token_hex(8)
    env = {**os.environ, **prepared.env, TOKEN_VARIABLE: token}
    _SPAWNING += 1
    try:
        try:
            proc = await trio.lowlevel.open_process(
                list(prepared.argv),
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=prepared.cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise SetupError(_spawn_error(exc, prepared, label), location) from None
        # No checkpoint since the spawn: the group is registered before anything can cancel us.
        _LIVE_GROUPS[proc.pid] = label
        _TOKENS[proc.pid] = token
        _SPAWNED.add(proc.pid)
    finally:
        _SPAWNING -= 1
    return proc


# --------------------------------------------------------------------------- output capture


class OutputTail:
    """The last ``limit`` bytes written to it; ``dropped`` counts bytes let go from the front."""

    def __init__(self, limit: int = OUTPUT_TAIL_LIMIT) -> None:
        self.limit = limit
        self.dropped = 0
        self._buffer = bytearray()

    def append(self, data: bytes) -> None:
        self._buffer += data
        excess = len(self._buffer) - self.limit
        if excess > 0:
            del self._buffer[:excess]
            self.dropped += excess

    @property
    def data(self) -> bytes:
        return bytes(self._buffer)

    def tail(self, limit: int) -> tuple[bytes, int]:
        """The last *limit* bytes and how many bytes were dropped in front of them in all."""
        data = self.data[-limit:]
        return data, self.dropped + len(self._buffer) - len(data)


class LineWatch:
    """Finds the first output line matching a readiness regex, across arbitrary chunk boundaries.

    Lines are decoded as UTF-8 (invalid bytes replaced) and tested with
    ``re.search`` without their line ending.  A partial line longer than
    ``READY_LINE_LIMIT`` is tested and dropped, so memory stays bounded.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.matched: str | None = None
        self._pending = bytearray()

    def feed(self, data: bytes) -> bool:
        """Add output; True once a line has matched."""
        if self.matched is not None:
            return True
        self._pending += data
        while self.matched is None:
            end = self._pending.find(b"\n")
            if end < 0:
                break
            self._test(bytes(self._pending[:end]))
            del self._pending[: end + 1]
        if self.matched is None and len(self._pending) > READY_LINE_LIMIT:
            self._test(bytes(self._pending))
            self._pending.clear()
        return self.matched is not None

    def finish(self) -> bool:
        """End of output: test the last line even without a newline."""
        if self.matched is None and self._pending:
            self._test(bytes(self._pending))
            self._pending.clear()
        return self.matched is not None

    def _test(self, line: bytes) -> None:
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        if self.pattern.search(text):
            self.matched = text


class Capture:
    """Both output streams of one process: tails, transcript entries and an optional line watch.

    *clock* gives transcript times (minus *started*); ``time.perf_counter`` by default.
    """

    def __init__(
        self,
        actor: str,
        started: float,
        *,
        watch: tuple[str, re.Pattern[str]] | None = None,
        limits: dict[str, int] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.actor = actor
        self.started = started
        self._clock = clock
        limits = limits or {}
        self.tails = {
            "stdout": OutputTail(limits.get("stdout", OUTPUT_TAIL_LIMIT)),
            "stderr": OutputTail(limits.get("stderr", OUTPUT_TAIL_LIMIT)),
        }
        self.transcript: list[TranscriptEntry] = []
        self._recorded = {"stdout": 0, "stderr": 0}
        self.watch_stream = watch[0] if watch else None
        self.watch = LineWatch(watch[1]) if watch else None
        self.line_seen = trio.Event()
        self.done = trio.Event()

    def now(self) -> float:
        return self._clock() - self.started

    def note(self, kind: EventKind, note: str, data: bytes = b"") -> None:
        entry = TranscriptEntry(
            self.now(), self.actor, kind, data[:TRANSCRIPT_DATA_LIMIT], len(data), note
        )
        self.transcript.append(entry)

    def add(self, stream: Stream, data: bytes) -> None:
        """Record a chunk of output from *stream* (``stdout`` or ``stderr``)."""
        self.tails[stream].append(data)
        recorded = self._recorded[stream]
        if recorded < TRANSCRIPT_OUTPUT_LIMIT:
            room = TRANSCRIPT_OUTPUT_LIMIT - recorded
            shown = data[:room]
            self.transcript.append(
                TranscriptEntry(self.now(), self.actor, stream, shown, len(data))
            )
            self._recorded[stream] = recorded + len(data)
            if len(data) > room:
                self.note("note", f"further {stream} is left out of the transcript (see the tail)")
        if self.watch is not None and stream == self.watch_stream and self.watch.feed(data):
            self.line_seen.set()

    async def read(self, stream: trio.abc.ReceiveStream | None, name: Stream) -> None:
        """Read *stream* to its end; never raises (a closed or broken pipe just ends the output)."""
        if stream is None:
            return
        try:
            while True:
                data = bytes(await stream.receive_some(65536))
                if not data:
                    break
                self.add(name, data)
        except (trio.ClosedResourceError, trio.BrokenResourceError, OSError):
            pass
        finally:
            if self.watch is not None and name == self.watch_stream and self.watch.finish():
                self.line_seen.set()
            with contextlib.suppress(Exception):
                await trio.aclose_forcefully(stream)

    async def pump(self, proc: trio.Process, scope: trio.CancelScope) -> None:
        """Read stdout and stderr until both end or *scope* is cancelled; then set ``done``."""
        try:
            with scope:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self.read, proc.stdout, "stdout")
                    nursery.start_soon(self.read, proc.stderr, "stderr")
        finally:
            self.done.set()

    async def drain(self, scope: trio.CancelScope) -> None:
        """Give the readers a bounded time to reach end-of-file, then stop them."""
        with trio.CancelScope(shield=True), trio.move_on_after(DRAIN_TIMEOUT):
            await self.done.wait()
        scope.cancel()

    def output(
        self,
        argv: Sequence[str],
        pid: int | None,
        returncode: int | None,
        stopped_by_runner: bool,
    ) -> ProcessOutput:
        out, out_dropped = self.tails["stdout"].tail(OUTPUT_TAIL_LIMIT)
        err, err_dropped = self.tails["stderr"].tail(OUTPUT_TAIL_LIMIT)
        return ProcessOutput(
            tuple(argv),
            pid,
            out,
            err,
            out_dropped,
            err_dropped,
            returncode,
            stopped_by_runner,
        )

    def tail_lines(self, lines: int = TAIL_LINES) -> list[str]:
        """The last *lines* lines of stdout and of stderr, ready to indent in a message."""
        shown: list[str] = []
        for name in ("stdout", "stderr"):
            tail = self.tails[name]
            data = tail.data
            if not data:
                continue
            parts = data.rstrip(b"\n").split(b"\n")
            cut = len(parts) > lines or tail.dropped > 0
            shown.append(f"{name}{' (last lines)' if cut else ''}:")
            shown.extend("  | " + escape_bytes(p.rstrip(b"\r")) for p in parts[-lines:])
        return shown


# --------------------------------------------------------------------------- readiness


def _compile_ready(
    ready: Ready, label: str, location: Location
) -> tuple[str, re.Pattern[str]] | None:
    if ready.kind not in ("stdout", "stderr"):
        return None
    try:
        return ready.kind, re.compile(ready.pattern or "")
    except re.error as exc:
        raise SetupError(
            f"{label}: ready: {ready.kind} is not a valid regex: {exc}", location
        ) from None


def describe_ready(ready: Ready, addresses: Sequence[Address], path: str | None) -> str:
    """What readiness waits for, as the ``(ready: ...)`` part of a message."""
    if ready.kind == "connect":
        stream = [a.url for a in addresses if a.is_stream]
        return "connect to " + " and ".join(stream) if stream else "connect"
    if ready.kind in ("stdout", "stderr"):
        return f"a line on {ready.kind} matching /{ready.pattern}/"
    if ready.kind == "path":
        return f"{path} exists"
    return f"delay {format_duration(ready.delay)}"


async def _poll(check: Callable[[], bool]) -> None:
    pause = POLL_FIRST
    while not check():
        await trio.sleep(pause)
        pause = min(pause * POLL_GROWTH, POLL_MAX)


async def wait_connectable(addresses: Sequence[Address], pending: list[Address]) -> None:
    """Return once every stream address accepts a connection.

    *pending* is updated in place with the addresses not accepting yet, so a
    timeout message can name them.
    """
    pending[:] = [a for a in addresses if a.is_stream]
    pause = POLL_FIRST
    while pending:
        still = []
        for address in pending:
            # A connect to loopback answers at once; the bound only matters for a stuck backlog.
            with trio.move_on_after(1.0):
                if await probe_connect(address):
                    continue
            still.append(address)
        pending[:] = still
        if not pending:
            return
        await trio.sleep(pause)
        pause = min(pause * POLL_GROWTH, POLL_MAX)


# --------------------------------------------------------------------------- servers


class ServerProcess:
    """A running process server (the user's program under test).

    Created by ``start_server`` once the server is ready.  The engine watches
    ``wait_exit`` to notice a server dying early, calls ``stop`` when the
    scenario ends (always, in a ``finally``) and then ``result``.
    """

    def __init__(
        self,
        spec: ProcessServer,
        prepared: PreparedCommand,
        proc: trio.Process,
        capture: Capture,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.pid = proc.pid
        self.prepared = prepared
        self._proc = proc
        self._capture = capture
        # Shielded: the output readers must outlive the scenario's cancellation until
        # stop() has ended the process and drained them (a server printing on SIGTERM
        # would otherwise die of SIGPIPE, and its last words would be lost).
        self._io_scope = trio.CancelScope(shield=True)
        self._stop_started = False
        self._stopped = trio.Event()
        self._stopped_by_runner = False

    @property
    def returncode(self) -> int | None:
        """The exit status (negative: killed by that signal), None while running."""
        return self._proc.returncode

    @property
    def stopping(self) -> bool:
        """True once ``stop`` has begun."""
        return self._stop_started

    @property
    def output(self) -> ProcessOutput:
        """The output tails so far (for ``--show-output`` and reports)."""
        return self._capture.output(
            self.prepared.argv, self.pid, self.returncode, self._stopped_by_runner
        )

    async def wait_exit(self) -> int:
        """Return the exit status when the process exits *by itself* (negative: killed by a signal).

        An exit caused by ``stop`` is not "by itself": once ``stop`` has begun
        this never returns (the caller's scope is expected to be cancelled).
        """
        code = await self._proc.wait()
        if self._stop_started:
            await trio.sleep_forever()
        return code

    async def stop(self) -> None:
        """Stop the whole process group: ``stop.signal``, wait ``stop.timeout``, then SIGKILL; reap.

        Idempotent and shielded from cancellation, with a bounded duration
        (``stop.timeout`` + ``KILL_GRACE`` + ``DRAIN_TIMEOUT``).  Also kills
        children left in the group when the leader already exited.
        """
        if self._stop_started:
            with (
                trio.CancelScope(shield=True),
                trio.move_on_after(self.spec.stop.timeout + KILL_GRACE + DRAIN_TIMEOUT),
            ):
                await self._stopped.wait()
            return
        self._stop_started = True
        try:
            running = self._proc.returncode is None
            self._stopped_by_runner = running
            await _end_group(
                self._proc,
                self.spec.stop.signal if running else signal.SIGKILL,
                self.spec.stop.timeout,
                lambda text: self._capture.note("note", text),
            )
            code = self._proc.returncode
            # Died of a signal we did not send (a crash racing the stop): its own doing.
            ours = (int(self.spec.stop.signal), int(signal.SIGKILL))
            if running and code is not None and code < 0 and -code not in ours:
                self._stopped_by_runner = False
            if code is not None:
                self._capture.note("exited", describe_status(code))
            await self._capture.drain(self._io_scope)
        finally:
            self._stopped.set()

    @property
    def exited_by_itself(self) -> bool:
        """True once stopped, when the process had ended on its own (exit or crash) first."""
        return self._stop_started and not self._stopped_by_runner

    def result(self, *, exited_early: bool) -> ActorResult:
        """This server's ``ActorResult`` (role ``process-server``).

        *exited_early* is the engine's verdict that the process ended before
        the scenario did.  ``expect_exit`` is checked against the status after
        ``stop``.
        """
        spec = self.spec
        code = self.returncode
        failure: Failure | None = None
        if exited_early:
            status = describe_status(code) if code is not None else "an unknown status"
            failure = Failure(
                actor=self.name,
                role="process-server",
                message=f"server {self.name!r} exited before the scenario ended, with {status}",
                location=spec.location,
                expected_text="the server keeps running until the scenario ends",
            )
        elif spec.expect_exit is not None and code != spec.expect_exit:
            status = describe_status(code) if code is not None else "no exit status (not reaped)"
            failure = Failure(
                actor=self.name,
                role="process-server",
                message=(
                    f"server {self.name!r} ended with {status} after "
                    f"{spec.stop.signal.name}, expected exit status {spec.expect_exit}"
                ),
                location=spec.expect_exit_location or spec.location,
                expected_text=f"exit status {spec.expect_exit}",
            )
        return ActorResult(
            actor=self.name,
            name=self.name,
            role="process-server",
            outcome=Outcome.FAILED if failure else Outcome.PASSED,
            transcript=list(self._capture.transcript),
            failure=failure,
            output=self.output,
        )

    async def _pump(self) -> None:
        await self._capture.pump(self._proc, self._io_scope)

    async def _wait_ready(
        self, addresses: Sequence[Address], path: str | None, pending: list[Address]
    ) -> str:
        """``ready``, ``exited`` or ``timeout``."""
        ready = self.spec.ready
        deadline = math.inf if ready.kind == "delay" else trio.current_time() + ready.timeout
        outcome = ""

        async with trio.open_nursery() as nursery:

            async def watch_exit() -> None:
                nonlocal outcome
                await self._proc.wait()
                if ready.kind in ("stdout", "stderr"):
                    # Its last words may still be in the pipe: a program that printed
                    # its ready line and exited at once was ready first.
                    with trio.move_on_after(DRAIN_TIMEOUT):
                        async with trio.open_nursery() as first:

                            async def settle(event: trio.Event) -> None:
                                await event.wait()
                                first.cancel_scope.cancel()

                            first.start_soon(settle, self._capture.line_seen)
                            first.start_soon(settle, self._capture.done)
                    if self._capture.line_seen.is_set():
                        outcome = outcome or "ready"
                outcome = outcome or "exited"
                nursery.cancel_scope.cancel()

            async def condition() -> None:
                nonlocal outcome
                with trio.move_on_at(deadline):
                    if ready.kind == "connect":
                        await wait_connectable(addresses, pending)
                        # Said in the transcript: a server that accepts only one
                        # connection has just spent it on this probe.
                        probed = ", ".join(str(a) for a in addresses if a.is_stream)
                        self._capture.note(
                            "note", f"ready: a test connection to {probed} was accepted and closed"
                        )
                    elif ready.kind in ("stdout", "stderr"):
                        await self._capture.line_seen.wait()
                    elif ready.kind == "path":
                        assert path is not None
                        await _poll(lambda: os.path.exists(path))
                    else:
                        await trio.sleep(ready.delay)
                    outcome = outcome or "ready"
                outcome = outcome or "timeout"
                nursery.cancel_scope.cancel()

            nursery.start_soon(watch_exit)
            nursery.start_soon(condition)
        return outcome


async def start_server(
    spec: ProcessServer,
    nursery: trio.Nursery,
    ctx: ProcessContext,
    addresses: Sequence[Address],
) -> ServerProcess:
    """Start a process server and return once it is ready.

    *addresses* are its resolved listen addresses (ports already picked).
    Output readers run in *nursery*.  Raises ``ProcessStartError`` (a
    ``SetupError``) when the command cannot start, exits before it is ready or
    is not ready within ``ready.timeout``; the process is stopped first.  On
    cancellation the process group is killed before the cancellation goes on.
    """
    label = f"server {spec.name!r}"
    ready = spec.ready
    ready_location = ready.location or spec.location
    if ready.kind == "connect" and not any(a.is_stream for a in addresses):
        raise SetupError(
            f"{label}: ready: connect needs a stream address (tcp or unix) but it listens on "
            f"{', '.join(a.url for a in addresses) or 'nothing'}; use ready: {{stdout: REGEX}}, "
            "{stderr: REGEX}, {delay: DURATION} or {path: PATH}",
            ready_location,
        )
    watch = _compile_ready(ready, label, ready_location)
    path: str | None = None
    if ready.kind == "path":
        if ready.path is None:
            raise SetupError(f"{label}: ready: path needs a path", ready_location)
        expanded = _expand(ready.path, ctx.lookup, "ready path", label, ready_location)
        path = os.path.join(ctx.directory, expanded)
    prepared = expand_command(spec.command, ctx.lookup, ctx.directory, label)
    capture = Capture(spec.name, ctx.started, watch=watch)
    proc = await _spawn(prepared, label, spec.command.location, stdin=subprocess.DEVNULL)
    server = ServerProcess(spec, prepared, proc, capture)
    ok = False
    try:
        capture.note("started", f"pid {proc.pid}: {prepared.display}")
        nursery.start_soon(server._pump)
        pending: list[Address] = []
        outcome = await server._wait_ready(addresses, path, pending)
        if outcome == "ready":
            ok = True
            return server
        if outcome == "exited":
            code = proc.returncode
            await server.stop()
            status = describe_status(code) if code is not None else "an unknown status"
            message = (
                f"{label} exited before it was ready, with {status} "
                f"(ready: {describe_ready(ready, addresses, path)})"
            )
            if code == 0:
                message += (
                    " — did it daemonize or fork into the background? Run it in the "
                    "foreground (e.g. --daemonize no, daemon off;)"
                )
            result = server.result(exited_early=True)
            result.outcome = Outcome.ERROR
            raise ProcessStartError(message, spec.command.location, result)
        await server.stop()
        waited = describe_ready(ready, pending or addresses, path)
        message = (
            f"{label} did not become ready within {format_duration(ready.timeout)} "
            f"(ready: {waited}) — {_READY_HINTS[ready.kind]}, or raise ready: timeout"
        )
        result = server.result(exited_early=False)
        result.outcome = Outcome.ERROR
        raise ProcessStartError(message, ready_location, result)
    finally:
        if not ok:
            await server.stop()


_READY_HINTS = {
    "connect": "check that it listens there (is the port or path passed on its command line?)",
    "stdout": "check the regex, and that the program flushes its output when stdout is a pipe "
    "(print(..., flush=True), PYTHONUNBUFFERED=1, setvbuf)",
    "stderr": "check the regex",
    "path": "check that the program creates this path (relative to the scenario's folder)",
    "delay": "",
}


class ProcessStartError(SetupError):
    """Raised when a process server exits before it is ready or is not ready in time.

    ``result`` holds the server's ``ActorResult`` (its output tails and
    transcript), for reports that show what the program printed.
    """

    def __init__(self, message: str, location: Location | None, result: ActorResult) -> None:
        super().__init__(message, location)
        self.result = result


# --------------------------------------------------------------------------- clients


def check_output(matcher: Matcher, data: bytes, lookup: Callable[[Ref], str]) -> str | None:
    """None when *data* (a whole output stream) meets *matcher*, else the reason it does not.

    A regex is searched anywhere in the output (``{regex: PONG}`` accepts
    ``PONG\\n``); other matchers judge the whole output as one message.
    """
    if isinstance(matcher, Regex):
        if matcher.regex(lookup).search(data) is None:
            return "no part of the output matches the regex"
        return None
    verdict = matcher.check_frame(data, lookup)
    if isinstance(verdict, Mismatch):
        return verdict.reason
    return None


async def run_client(
    spec: ProcessClient,
    copy: int | None,
    ctx: ProcessContext,
    interrupted: list[ActorResult] | None = None,
) -> ActorResult:
    """Run one copy of a process client to its end and check its exit status and output.

    *copy* is 1..N when the client has ``count`` > 1, else None.  Checks that
    fail come back as the result's ``Failure``; a command that cannot start
    raises ``SetupError``.  ``spec.timeout`` bounds the run (the group is
    killed when it passes); cancellation kills the group too, and then the
    client's result so far (outcome SKIPPED, with its transcript and output)
    is appended to *interrupted*, so a report can say what it was doing.
    """
    actor = spec.name if copy is None else f"{spec.name}[{copy}]"
    label = f"client {actor!r}"
    prepared = expand_command(spec.command, ctx.lookup, ctx.directory, label)
    stdin_data: bytes | None = None
    if spec.stdin is not None:
        try:
            stdin_data = spec.stdin.render(ctx.lookup)
        except PlaceholderError as exc:
            raise SetupError(f"{label}: cannot expand stdin: {exc}", spec.location) from None
    limits = {
        "stdout": CHECKED_OUTPUT_LIMIT if spec.expect_stdout is not None else OUTPUT_TAIL_LIMIT,
        "stderr": CHECKED_OUTPUT_LIMIT if spec.expect_stderr is not None else OUTPUT_TAIL_LIMIT,
    }
    capture = Capture(actor, ctx.started, limits=limits)
    proc = await _spawn(
        prepared,
        label,
        spec.command.location,
        stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
    )
    capture.note("started", f"pid {proc.pid}: {prepared.display}")
    io_scope = trio.CancelScope()
    timed_out = False
    runner_killed = False
    finished = False
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(capture.pump, proc, io_scope)
            if stdin_data is not None:
                nursery.start_soon(_feed_stdin, proc, stdin_data, capture)
            limit = spec.timeout if spec.timeout is not None else math.inf
            with trio.move_on_after(limit):
                await proc.wait()
            timed_out = runner_killed = proc.returncode is None
            # A finished client's helpers must not outlive it; a late client is killed outright.
            await _end_group(proc, signal.SIGKILL, 0.0, lambda text: capture.note("note", text))
            await capture.drain(io_scope)
            # A stdin writer still blocked (a reader that escaped the group) must not hold us.
            nursery.cancel_scope.cancel()
        finished = True
    finally:
        if proc.returncode is None or _group_alive(proc.pid):
            runner_killed = runner_killed or proc.returncode is None
            await _end_group(proc, signal.SIGKILL, 0.0, lambda text: capture.note("note", text))
        if not finished and interrupted is not None:
            if runner_killed:
                capture.note("note", "still running when the scenario stopped: killed")
            interrupted.append(
                ActorResult(
                    actor=actor,
                    name=spec.name,
                    role="process-client",
                    outcome=Outcome.SKIPPED,
                    copy=copy,
                    transcript=list(capture.transcript),
                    output=capture.output(prepared.argv, proc.pid, proc.returncode, runner_killed),
                )
            )
    code = proc.returncode
    if code is not None:
        capture.note("exited", describe_status(code))
    output = capture.output(prepared.argv, proc.pid, code, runner_killed)
    failure = _client_failure(spec, actor, capture, code, timed_out, ctx.lookup)
    return ActorResult(
        actor=actor,
        name=spec.name,
        role="process-client",
        outcome=Outcome.FAILED if failure else Outcome.PASSED,
        copy=copy,
        transcript=list(capture.transcript),
        failure=failure,
        output=output,
    )


async def _feed_stdin(proc: trio.Process, data: bytes, capture: Capture) -> None:
    """Write the client's stdin, then close it so the program sees end-of-file."""
    stream = proc.stdin
    if stream is None:
        return
    try:
        await stream.send_all(data)
        capture.note("sent", "stdin", data)
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        capture.note("note", "the program closed its stdin before reading all of it")
    finally:
        with contextlib.suppress(Exception):
            await trio.aclose_forcefully(stream)


def _client_failure(
    spec: ProcessClient,
    actor: str,
    capture: Capture,
    code: int | None,
    timed_out: bool,
    lookup: Callable[[Ref], str],
) -> Failure | None:
    """The first unmet expectation (timeout, exit status, stdout, stderr); others go in details."""
    role: Role = "process-client"
    label = f"client {actor!r}"
    tails = capture.tails
    found: list[Failure] = []
    # The output tails are in the actor's ProcessOutput, which every report shows.
    details: tuple[str, ...] = ()
    if timed_out:
        assert spec.timeout is not None
        found.append(
            Failure(
                actor=actor,
                role=role,
                message=f"{label} did not exit within {format_duration(spec.timeout)}; killed it",
                location=spec.location,
                expected_text=f"exit within {format_duration(spec.timeout)}",
                waited=spec.timeout,
                details=details,
            )
        )
    elif code != spec.expect_exit:
        status = describe_status(code) if code is not None else "an unknown status"
        found.append(
            Failure(
                actor=actor,
                role=role,
                message=f"{label} exited with {status}, expected exit status {spec.expect_exit}",
                location=spec.expect_exit_location or spec.location,
                expected_text=f"exit status {spec.expect_exit}",
                details=details,
            )
        )
    checks = (
        ("stdout", spec.expect_stdout, spec.expect_stdout_location),
        ("stderr", spec.expect_stderr, spec.expect_stderr_location),
    )
    for name, matcher, location in checks:
        if matcher is None or timed_out:
            continue
        tail = tails[name]
        if tail.dropped:
            reason: str | None = (
                f"the {name} was larger than {CHECKED_OUTPUT_LIMIT // (1024 * 1024)} MiB, "
                "too large to check as a whole"
            )
        else:
            try:
                reason = check_output(matcher, tail.data, lookup)
            except PlaceholderError as exc:
                reason = f"cannot expand the expectation: {exc}"
        if reason is None:
            continue
        expected = None
        if isinstance(matcher, Exact) and matcher.payload.static is not None:
            expected = matcher.payload.static
        found.append(
            Failure(
                actor=actor,
                role=role,
                message=f"{label}: {name} does not match: {reason}",
                location=location or spec.location,
                expected=expected,
                expected_text=f"{name}: {matcher.describe()}",
                received=_recent(tail),
                details=details,
            )
        )
    if not found:
        return None
    first = found[0]
    also = tuple(f"also: {f.message}" for f in found[1:])
    if not also:
        return first
    return Failure(
        actor=first.actor,
        role=first.role,
        message=first.message,
        location=first.location,
        expected=first.expected,
        expected_text=first.expected_text,
        received=first.received,
        waited=first.waited,
        details=also + first.details,
    )


def _recent(tail: OutputTail, limit: int = 4096) -> bytes:
    return tail.data[-limit:]
