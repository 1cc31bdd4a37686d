"""``sockscen record``: run a proxy, then write what went through it as a replayable scenario."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
import tempfile
import time
from pathlib import Path

from ..addresses import AddressError, parse_address
from ..errors import SetupError
from ..recording import (
    Conversation,
    ConversationLog,
    PayloadFiles,
    RecordingInfo,
    scenario_yaml,
)
from .common import UsageError, prepare_output
from .exits import EXIT_FAILED, EXIT_OK

#: Framings ``--framing`` takes: they only cut payloads into readable parts.
FRAMING_NAMES = ("none", "line", "crlf")


def add_record_options(command: argparse.ArgumentParser) -> None:
    """The flags of ``sockscen record``."""
    group = command.add_argument_group("recording")
    group.add_argument(
        "--listen",
        required=True,
        metavar="ADDRESS",
        help="where clients connect, e.g. tcp://127.0.0.1:7000 or unix:app.sock",
    )
    group.add_argument(
        "--upstream",
        required=True,
        metavar="ADDRESS",
        help="the real server, e.g. tcp://127.0.0.1:6379",
    )
    group.add_argument(
        "--framing",
        choices=FRAMING_NAMES,
        default="none",
        help="cut recorded payloads into frames in the file (pairing needs none)",
    )
    group.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the scenario file to write"
    )
    group.add_argument(
        "--duration", metavar="DURATION", help="stop after this long (default: at Ctrl-C)"
    )
    group.add_argument("--connections", type=int, metavar="N",
                       help="stop once N connections have ended (streams)")  # fmt: skip


def cmd_record(args: argparse.Namespace) -> int:
    """Record until stopped, then write the scenario; say where it is."""
    import trio

    from ..durations import parse_duration
    from ..engine.recorder import record

    try:
        duration = parse_duration(args.duration) if args.duration is not None else None
    except ValueError as exc:
        raise UsageError(f"--duration {args.duration}: {exc}") from None
    try:
        # A relative socket path is relative to where the user runs the command.
        args.listen, args.upstream = _absolute(args.listen), _absolute(args.upstream)
        stream = parse_address(args.listen).is_stream
        if parse_address(args.upstream).is_stream != stream:
            raise UsageError("--listen and --upstream must both be streams or both datagrams")
    except (ValueError, AddressError) as exc:
        raise UsageError(str(exc)) from exc
    if args.connections is not None and args.connections < 1:
        raise UsageError("--connections needs a number of connections, 1 or more")
    if args.connections is not None and not stream:
        # Datagram senders never end: it would wait for Ctrl-C without a word.
        raise UsageError(
            "--connections counts stream connections; a datagram recording stops "
            "with --duration or Ctrl-C"
        )
    # Before listening: a recording made for nothing is a session lost.
    output = prepare_output("-o", args.output, folder=False)
    log = ConversationLog()
    unreachable = _Unreachable(args.upstream)
    started = time.time()

    def ready(url: str) -> None:
        try:
            print(f"recording: clients connect to {url}, relayed to {args.upstream}", flush=True)
            print(f"recording: {_until(duration, args.connections)}", flush=True)
        except BrokenPipeError:
            pass  # nobody reads our output (`| head -1`): recording goes on all the same

    try:
        proxy = trio.run(
            lambda: record(
                args.listen,
                args.upstream,
                log,
                duration=duration,
                connections=args.connections,
                on_ready=ready,
                unreachable=unreachable,
            )
        )
    except SetupError as exc:
        message = str(exc).removeprefix("proxy 'record': ")
        # The advice for scenarios does not hold here: --listen's relative path is the user's.
        message = message.replace(
            ", or use a relative path, which lives in the scenario's private directory", ""
        )
        print(f"sockscen: error: --listen {args.listen}: {message}", file=sys.stderr)
        return EXIT_FAILED
    for failure in proxy.context.failures:
        print(f"recording: stopped: {failure.message}", file=sys.stderr)
    if log.full:
        print(
            f"recording: stopped: a recording keeps at most {log.limit // (1024 * 1024)} MiB "
            "(what was relayed, and its bookkeeping)",
            file=sys.stderr,
        )
    conversations = sorted(log.conversations.values(), key=lambda c: c.index)
    if not conversations:
        why = unreachable.summary() or "no client sent or received anything through it"
        print(f"recording: nothing recorded ({why}); {args.output} not written", file=sys.stderr)
        return EXIT_FAILED
    for conv in conversations:
        actor = proxy.actors[conv.index - 1] if conv.index <= len(proxy.actors) else None
        if actor is not None and actor.result.transcript:
            conv.peer = actor.result.transcript[0].note.removeprefix("from ")
    info = RecordingInfo(args.listen, args.upstream, stream, started)
    code = _write(args, output, conversations, info)
    # What was recorded is written, but it stopped short: a script must not take it as whole.
    return EXIT_FAILED if proxy.context.failures else code


class _Unreachable:
    """Says, as it happens, when a connection cannot reach the upstream (the first few times)."""

    #: Lines said; a client retrying in a loop must not flood the terminal.
    SHOWN = 10

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.count = 0

    def __call__(self, n: int, why: str) -> None:
        self.count += 1
        if self.count <= self.SHOWN:
            print(f"recording: connection {n}: the upstream is unreachable: {why}", file=sys.stderr)
        if self.count == self.SHOWN:
            print("recording: (further upstream failures are not shown)", file=sys.stderr)

    def summary(self) -> str:
        """Why nothing went through, when the upstream was the reason."""
        if not self.count:
            return ""
        return f"{self.count} connection(s) could not reach the upstream {self.upstream}"


def _write_through(output: Path, text: bytes) -> None:
    """Write *text* into a FIFO or a device; a FIFO nobody reads fails at once (ENXIO).

    Opening a FIFO for writing waits until a reader opens it: without a
    reader, the recording would be kept from its user for ever.
    """
    fd = os.open(output, os.O_WRONLY | os.O_NONBLOCK)
    os.set_blocking(fd, True)  # a reader is there: it may take its time
    with open(fd, "wb") as f:
        f.write(text)


def _until(duration: float | None, connections: int | None) -> str:
    """When the recording stops, as the user asked."""
    ends = []
    if duration is not None:
        ends.append(f"after {duration:g}s")
    if connections is not None:
        ends.append(f"once {connections} connection(s) have ended")
    return f"stops {' or '.join(ends)} (Ctrl-C stops earlier)" if ends else "stop with Ctrl-C"


def _write(
    args: argparse.Namespace, output: Path, conversations: list[Conversation], info: RecordingInfo
) -> int:
    """Write the scenario (and its large payloads beside it); say where, or why not."""
    from ..framing import CRLF, LINE, NONE
    from ..loader import MAX_SCENARIO_FILE

    framing = {"none": NONE, "line": LINE, "crlf": CRLF}[args.framing]
    # `-o /dev/stdout`, a FIFO: written straight through, and every payload inline (a
    # payload file has no place beside it).  A regular file (or a link to one): replaced.
    special = output.exists() and not output.is_file()
    files = None if special else PayloadFiles(f"{output.stem}.data")
    text = scenario_yaml(conversations, info, framing, files).encode("utf-8")
    if len(text) > MAX_SCENARIO_FILE:
        print(
            f"sockscen: error: the recording makes a {len(text) // (1024 * 1024)} MiB scenario, "
            f"more than the {MAX_SCENARIO_FILE // (1024 * 1024)} MiB a scenario file may have; "
            f"{args.output} not written (record fewer connections: --connections, --duration)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    try:
        if files is None:
            _write_through(output, text)
        else:
            target = Path(os.path.realpath(output))
            for data, name in files.files.items():
                _replace(target.parent / name, data)
            _replace(target, text)
    except OSError as exc:
        where = exc.filename or args.output  # a failed write() names no file
        why = "nobody reads that FIFO" if exc.errno == errno.ENXIO else exc.strerror
        print(f"sockscen: error: cannot write {where}: {why}", file=sys.stderr)
        return EXIT_FAILED
    extra = ""
    if files is not None and files.files:
        extra = f" (and {len(files.files)} payload file(s) in {files.folder}/)"
    print(f"recording: {len(conversations)} connection(s) written to {args.output}{extra}")
    return EXIT_OK


def _replace(path: Path, data: bytes) -> None:
    """Write *data* to *path* whole or not at all: a temporary file beside it, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp made it private: as open() would
        os.replace(temporary, path)
    except BaseException:
        # Ctrl-C while writing too: no temporary file is left behind.
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _absolute(text: str) -> str:
    address = parse_address(text)
    if address.is_unix and not address.is_abstract and not Path(address.path).is_absolute():
        return f"{address.scheme}:{Path(address.path).resolve()}"
    return text
