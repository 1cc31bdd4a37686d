"""Transcripts as text: what each actor sent and received, with times.

One line per event::

    +0.000s  alice  -> 6 bytes  "hello\\n"
    +0.012s  alice  <- 20 bytes  "\\x00\\x01..."
                      00000000  00 01 02 ...  |...|
    +0.013s  alice  -- eof

Times are relative (``since``), payloads are escaped and elided in the middle
when long, and binary payloads get a hex dump so a byte-level protocol can be
read without guessing.
"""

from __future__ import annotations

import re
import shlex
import signal
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..rendering import escape_text, format_seconds, hexdump, is_printable, plural, quote_bytes
from ..results import ProcessOutput, RunResult, ScenarioResult, TranscriptEntry
from ._files import write_atomic

#: Escaped text longer than this many bytes is elided in the middle.
TEXT_LIMIT = 200
#: Hex dumps show about this many bytes (head and tail).
DUMP_LIMIT = 256

_ARROWS = {"sent": "->", "received": "<-"}


def _relative(time: float, origin: float) -> str:
    delta = time - origin
    sign = "-" if delta < 0 else "+"
    return f"{sign}{format_seconds(abs(delta))}"


def format_entry(
    entry: TranscriptEntry,
    *,
    origin: float,
    actor_width: int | None = None,
    text_limit: int = TEXT_LIMIT,
    dump_limit: int = DUMP_LIMIT,
) -> list[str]:
    """The lines of one transcript entry; ``actor_width`` None leaves the actor out."""
    head = _relative(entry.time, origin)
    if actor_width is not None:
        head += f"  {escape_text(entry.actor):<{actor_width}}"
    size = max(entry.size, len(entry.data))
    has_data = entry.kind in _ARROWS or bool(entry.data) or size > 0
    if not has_data:
        note = f": {escape_text(entry.note)}" if entry.note else ""
        return [f"{head}  -- {entry.kind}{note}"]
    label = _ARROWS.get(entry.kind, entry.kind)
    line = f"{head}  {label} {plural(size, 'byte')}  {quote_bytes(entry.data, text_limit)}"
    if entry.note:
        line += f"  ({escape_text(entry.note)})"
    lines = [line]
    # The dump goes under the payload, indented past the time column.
    pad = " " * (len(head) + 2)
    if entry.truncated:
        kept = len(entry.data)
        lines.append(f"{pad}(data cut at capture: kept the first {kept} of {plural(size, 'byte')})")
    if entry.data and not is_printable(entry.data):
        lines.extend(pad + row for row in hexdump(entry.data, limit=dump_limit))
    return lines


def format_transcript(
    entries: Iterable[TranscriptEntry],
    *,
    since: float | None = None,
    show_actor: bool = True,
    text_limit: int = TEXT_LIMIT,
    dump_limit: int = DUMP_LIMIT,
) -> list[str]:
    """Render transcript entries as lines (no trailing newlines).

    Times are shown relative to *since* (seconds since the scenario
    started); None means relative to the first entry.  ``show_actor`` False
    drops the actor column, for a transcript of one actor.
    """
    items = list(entries)
    if not items:
        return []
    origin = items[0].time if since is None else since
    width = max(len(escape_text(e.actor)) for e in items) if show_actor else None
    lines: list[str] = []
    for entry in items:
        lines.extend(
            format_entry(
                entry,
                origin=origin,
                actor_width=width,
                text_limit=text_limit,
                dump_limit=dump_limit,
            )
        )
    return lines


# --------------------------------------------------------------------------- process output


def describe_exit(output: ProcessOutput) -> str:
    """How a process ended, in words: ``exited with status 1``, ``killed by SIGKILL``..."""
    code = output.returncode
    if code is None:
        return "still running" if not output.stopped_by_runner else "stopped by sockscen"
    if code < 0:
        name = _signal_name(-code)
        if output.stopped_by_runner:
            return f"stopped by sockscen with {name}"
        return f"killed by {name}"
    if output.stopped_by_runner:
        return f"stopped by sockscen, exit status {code}"
    return f"exited with status {code}"


def _signal_name(number: int) -> str:
    try:
        return f"{signal.Signals(number).name} (signal {number})"
    except ValueError:
        return f"signal {number}"


#: The longest line of a program's output shown in a report (the transcript file shows all):
#: one 64 KiB line of a failing program would otherwise fill a terminal's scroll-back.
MAX_OUTPUT_WIDTH = 1000


def tail_lines(
    data: bytes, *, dropped: int = 0, max_lines: int = 20, max_width: int | None = None
) -> list[str]:
    """The last *max_lines* lines of captured output, escaped, with what was left out.

    With *max_width*, a longer line is cut there and says how much more it held.
    """
    if not data:
        return []
    text = data.decode("utf-8", errors="backslashreplace")
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    lines = []
    hidden = max(0, len(rows) - max_lines)
    if dropped or hidden:
        parts = []
        if dropped:
            parts.append(f"{plural(dropped, 'earlier byte')} not kept")
        if hidden:
            parts.append(f"{plural(hidden, 'earlier line')} not shown")
        lines.append(f"({', '.join(parts)})")
    lines.extend(f"| {_cut(row, max_width)}" for row in rows[hidden:])
    return lines


def _cut(row: str, width: int | None) -> str:
    if width is None or len(row) <= width:
        return escape_text(row)
    return f"{escape_text(row[:width])}... ({plural(len(row) - width, 'more character')})"


def format_output(
    actor: str,
    output: ProcessOutput,
    *,
    max_lines: int = 20,
    max_width: int | None = MAX_OUTPUT_WIDTH,
) -> list[str]:
    """A process's command, pid, how it ended and the tails of stdout and stderr.

    Lines longer than *max_width* characters are cut (None: shown whole).
    """
    # Quoted as a shell would need it, so empty and spaced arguments stay visible.
    argv = escape_text(shlex.join(output.argv))
    pid = f", pid {output.pid}" if output.pid is not None else ""
    lines = [f"process {escape_text(actor)} ({argv}){pid}: {describe_exit(output)}"]
    for stream, data, dropped in (
        ("stdout", output.stdout, output.stdout_truncated),
        ("stderr", output.stderr, output.stderr_truncated),
    ):
        if not data:
            lines.append(f"  {stream}: (empty)")
            continue
        lines.append(f"  {stream}:")
        tail = tail_lines(data, dropped=dropped, max_lines=max_lines, max_width=max_width)
        lines.extend("    " + row for row in tail)
    return lines


# --------------------------------------------------------------------------- files

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 100


def safe_file_name(text: str) -> str:
    """A portable file-name fragment: letters, digits, ``.``, ``_`` and ``-`` only."""
    name = _UNSAFE.sub("_", text).strip("._")
    return name[:_MAX_NAME] or "scenario"


def scenario_transcript_text(result: ScenarioResult) -> str:
    """The whole text file written for one scenario: header, transcript, process outputs."""
    lines = [
        f"scenario: {escape_text(result.name)}",
        f"file: {escape_text(result.location.short)}",
        f"outcome: {result.outcome.value}",
        f"duration: {format_seconds(result.duration)}",
        "",
    ]
    transcript = format_transcript(result.transcript, since=0.0)
    lines.extend(transcript or ["(no traffic recorded)"])
    for actor, output in result.outputs:
        lines.append("")
        lines.extend(format_output(actor, output, max_width=None))
    return "\n".join(lines) + "\n"


def write_transcript_dir(run: RunResult, directory: str | Path) -> list[Path]:
    """Write one ``.txt`` transcript per scenario into *directory*; return the paths.

    Names come from the scenario's file and name made safe for any file
    system; a clash (names that differ only in unsafe characters or in case)
    gets a ``-2``, ``-3``... suffix so no transcript overwrites another.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    written: list[Path] = []
    for result in run.scenarios:
        stem = safe_file_name(f"{result.path}--{result.name}")
        candidate = stem
        n = 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate.lower())
        path = target / f"{candidate}.txt"
        write_atomic(path, scenario_transcript_text(result).encode("utf-8"))
        written.append(path)
    return written


def transcript_of(result: ScenarioResult, actors: Sequence[str]) -> list[TranscriptEntry]:
    """The merged, time-ordered entries of the named actors of *result*."""
    wanted = set(actors)
    entries = [e for a in result.actors if a.actor in wanted for e in a.transcript]
    entries.sort(key=lambda e: e.time)
    return entries
