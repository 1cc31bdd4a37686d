"""The console reporter: one line per scenario as it finishes, then the diagnoses and a summary.

It is called from the runner's event loop once per finished scenario, so
each call does a little string formatting and one ``write``: thousands of
results per second cost nothing noticeable.

Colour follows the usual conventions: ``NO_COLOR`` (non-empty) turns it
off, ``FORCE_COLOR`` (non-empty) turns it on, otherwise colour is used only
on a terminal.  On a terminal a live status line shows progress; it is
erased before every scenario line and at the end, so logs scraped from the
terminal hold only real lines.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from ..rendering import escape_text, format_seconds, plural
from ..results import Outcome, RunResult, ScenarioResult
from .failure import failure_summary, format_failure, scenario_title
from .transcript import format_output, format_transcript

QUIET, NORMAL, VERBOSE, VERY_VERBOSE = -1, 0, 1, 2

#: Carriage return plus "erase to end of line": removes the live status line.
CLEAR_LINE = "\r\x1b[K"

_RESET = "\x1b[0m"
_GREEN = "\x1b[32m"
_RED = "\x1b[31m"
_BOLD_RED = "\x1b[1;31m"
_YELLOW = "\x1b[33m"
_BOLD = "\x1b[1m"

_TAGS = {
    Outcome.PASSED: ("PASS", _GREEN),
    Outcome.FAILED: ("FAIL", _RED),
    Outcome.ERROR: ("ERROR", _BOLD_RED),
    Outcome.SKIPPED: ("SKIP", _YELLOW),
}


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        # A closed or exotic stream is not a terminal.
        return False


def color_wanted(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """The automatic colour decision: NO_COLOR wins, then FORCE_COLOR, then "is it a TTY"."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return _isatty(stream)


def summary_line(run: RunResult) -> str:
    """``3 passed, 1 failed, 2 errors, 1 skipped in 0.52s (interrupted)``.

    ``passed`` and ``failed`` are always there; errors and skipped only when
    non-zero; ``(interrupted)`` only after Ctrl-C.
    """
    parts = [f"{run.passed} passed", f"{run.failed} failed"]
    if run.errors:
        parts.append(plural(run.errors, "error"))
    if run.skipped:
        parts.append(f"{run.skipped} skipped")
    mocks = run.options.get("mock_not_run")
    if isinstance(mocks, int) and mocks:
        parts.append(f"{mocks} mock not run" if mocks == 1 else f"{mocks} mocks not run")
    text = f"{', '.join(parts)} in {run.duration:.2f}s"
    if run.interrupted:
        text += " (interrupted)"
    return text


class ConsoleReporter:
    """Report a run on a text stream.

    ``verbosity``: -1 (``-q``) prints only failing scenarios' lines, the
    diagnoses and the summary; 0 one line per scenario; 1 (``-v``) adds the
    reason under each failing line; 2 (``-vv``) adds every step of every
    actor.  ``transcripts`` prints every scenario's transcript at the end
    (passing ones too); ``show_output`` prints the output of processes of
    passing scenarios too (failing ones always show it).  ``color`` and
    ``progress`` None mean automatic (see the module docstring); a live
    progress line is only ever drawn on a terminal, and never with ``-q``;
    ``progress=True`` on a plain stream numbers the scenario lines instead.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        color: bool | None = None,
        verbosity: int = NORMAL,
        transcripts: bool = False,
        show_output: bool = False,
        progress: bool | None = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.color = color_wanted(stream, env) if color is None else color
        self.verbosity = verbosity
        self.transcripts = transcripts
        self.show_output = show_output
        tty = _isatty(stream)
        wanted = (tty and verbosity > QUIET) if progress is None else progress
        self.live = wanted and tty and verbosity > QUIET
        self.numbered = wanted and not tty and verbosity > QUIET
        self._clock = clock
        self._started = clock()
        self._total: int | None = None
        self._done = 0
        self._counts = dict.fromkeys(Outcome, 0)
        self._status_shown = False

    # ------------------------------------------------------------------ helpers

    def _paint(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def _status(self) -> str:
        total = "?" if self._total is None else str(self._total)
        counts = self._counts
        passed, failed = counts[Outcome.PASSED], counts[Outcome.FAILED]
        text = f"[{self._done}/{total}] {passed} passed, {failed} failed"
        if counts[Outcome.ERROR]:
            text += ", " + plural(counts[Outcome.ERROR], "error")
        if counts[Outcome.SKIPPED]:
            text += f", {counts[Outcome.SKIPPED]} skipped"
        return f"{text}  {self._clock() - self._started:.1f}s"

    def _scenario_line(self, result: ScenarioResult) -> str:
        tag, code = _TAGS[result.outcome]
        line = (
            f"{self._paint(f'{tag:<5}', code)} {escape_text(result.name)}  "
            f"{escape_text(result.location.short)}  {format_seconds(result.duration)}"
        )
        if self.numbered:
            total = "?" if self._total is None else str(self._total)
            line = f"[{self._done:>{len(total)}}/{total}] {line}"
        return line

    def _detail_lines(self, result: ScenarioResult) -> list[str]:
        lines: list[str] = []
        if self.verbosity >= VERBOSE and result.outcome in (Outcome.FAILED, Outcome.ERROR):
            lines.append("      " + failure_summary(result))
            if result.error_cause:
                lines.append("      cause: " + escape_text(result.error_cause))
        if self.verbosity >= VERY_VERBOSE:
            for actor in result.actors:
                who = escape_text(actor.actor)
                for step in actor.steps:
                    where = escape_text(step.location.short)
                    lines.append(
                        f"      {who} step {escape_text(step.label)} {escape_text(step.kind)} "
                        f"({where}) {step.outcome.value} {format_seconds(step.duration)}"
                    )
        return lines

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
        except UnicodeEncodeError:
            # A terminal that is not UTF-8 (LANG=C, a Windows code page) must
            # not turn a scenario name with "é" into a crash of the run.
            encoding = getattr(self.stream, "encoding", None) or "ascii"
            self.stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        self.stream.flush()

    # ------------------------------------------------------------------ events

    def run_started(self, total: int) -> None:
        """The run is about to start *total* scenarios."""
        self._total = total
        self._started = self._clock()
        if self.live:
            self._write(self._status())
            self._status_shown = True

    def scenario_finished(self, result: ScenarioResult) -> None:
        """Print the scenario's line (and, with ``-v``/``-vv``, its details) as it finishes."""
        self._done += 1
        self._counts[result.outcome] += 1
        failed = result.outcome in (Outcome.FAILED, Outcome.ERROR)
        out = []
        if self._status_shown:
            out.append(CLEAR_LINE)
            self._status_shown = False
        if self.verbosity > QUIET or failed:
            out.append(self._scenario_line(result) + "\n")
            out.extend(line + "\n" for line in self._detail_lines(result))
        if self.live:
            out.append(self._status())
            self._status_shown = True
        if out:
            self._write("".join(out))

    def run_finished(self, run: RunResult) -> None:
        """Explain every failure, print requested transcripts and outputs, then the summary."""
        out: list[str] = []
        seed = run.options.get("seed")
        if self._status_shown:
            out.append(CLEAR_LINE)
            self._status_shown = False
        for result in run.scenarios:
            if result.outcome not in (Outcome.FAILED, Outcome.ERROR):
                continue
            head, _, body = format_failure(result).partition("\n")
            out.append("\n" + self._paint(head, _TAGS[result.outcome][1]) + "\n")
            if body:
                out.append(body + "\n")
            if seed is not None:
                out.append(f"  seed {seed} (--seed {seed} replays the same faults)\n")
        if self.transcripts:
            for result in run.scenarios:
                out.append(f"\n{self._paint('transcript', _BOLD)} {scenario_title(result)}\n")
                lines = format_transcript(result.transcript, since=0.0) or ["(no traffic)"]
                out.extend(f"  {line}\n" for line in lines)
        if self.show_output:
            for result in run.scenarios:
                # Failing scenarios already showed their processes' output.
                if result.outcome in (Outcome.FAILED, Outcome.ERROR) or not result.outputs:
                    continue
                out.append(f"\n{self._paint('output', _BOLD)} {scenario_title(result)}\n")
                for actor, output in result.outputs:
                    out.extend(f"  {line}\n" for line in format_output(actor, output))
        if run.interrupted:
            cut = [r for r in run.scenarios if r.outcome is Outcome.SKIPPED]
            if cut:
                out.append(f"\n{self._paint('interrupted', _BOLD)}: not finished or not started:\n")
                out.extend(
                    f"  {scenario_title(r)}  ({escape_text(r.error or 'not run')})\n" for r in cut
                )
        code = _RED if run.failed or run.errors else _YELLOW if run.interrupted else _GREEN
        out.append("\n" + self._paint(summary_line(run), code) + "\n")
        self._write("".join(out))
