"""``sockscen record``: run a proxy, then write what went through it as a replayable scenario."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..addresses import AddressError, parse_address
from ..errors import SetupError
from .common import UsageError, prepare_output
from .exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE

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
    from ..framing import CRLF, LINE, NONE
    from ..recording import ConversationLog, RecordingInfo, scenario_yaml

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
    # Checked before recording: a conversation cannot be replayed to write it elsewhere.
    output = prepare_output("--output", args.output, folder=False)
    log = ConversationLog()
    started = time.time()

    def ready(url: str) -> None:
        print(f"recording: clients connect to {url}, relayed to {args.upstream}", flush=True)
        print("recording: stop with Ctrl-C", flush=True)

    try:
        proxy = trio.run(
            lambda: record(
                args.listen,
                args.upstream,
                log,
                duration=duration,
                connections=args.connections,
                on_ready=ready,
            )
        )
    except SetupError as exc:
        print(f"sockscen: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    conversations = sorted(log.conversations.values(), key=lambda c: c.index)
    for conv in conversations:
        actor = proxy.actors[conv.index - 1] if conv.index <= len(proxy.actors) else None
        if actor is not None and actor.result.transcript:
            conv.peer = actor.result.transcript[0].note.removeprefix("from ")
    framing = {"none": NONE, "line": LINE, "crlf": CRLF}[args.framing]
    info = RecordingInfo(args.listen, args.upstream, stream, started)
    text = scenario_yaml(conversations, info, framing)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        # The conversation cannot be had again: keep it on standard output rather than lose it.
        sys.stdout.write(text)
        print(
            f"sockscen: error: --output {args.output}: could not write the scenario "
            f"({exc.strerror or exc}); it is on standard output above",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(f"recording: {len(conversations)} connection(s) written to {args.output}")
    return EXIT_OK


def _absolute(text: str) -> str:
    address = parse_address(text)
    if address.is_unix and not address.is_abstract and not Path(address.path).is_absolute():
        return f"{address.scheme}:{Path(address.path).resolve()}"
    return text
