"""The console reporter: one line per scenario as it finishes, then the diagnoses and a summary.

It is called from the runner's event loop once per finished scenario, so
each call does a little string formatting and one ``write``: thousands of
results per second cost nothing noticeable.

Colour follows the usual conventions, in pytest's order: ``PY_COLORS=1``
or ``0`` decides; else ``NO_COLOR`` (non-empty) turns it off,
``FORCE_COLOR`` (non-empty) turns it on, otherwise colour is used only on a
terminal whose ``TERM`` is not ``dumb``.  On such a terminal a live status
line shows progress (``[37/200] 35 passed, 2 failed  12.3s``); it is erased
before every scenario line and at the end, so logs scraped from the
terminal hold only real lines (``status_line``).  With *tick* it is
redrawn by a timer so the clock keeps moving, and once a scenario has run
for ``LONG_RUNNING`` seconds the line names the scenarios still running,
longest first (``progress``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from ..rendering import escape_text, format_seconds, plural
from ..results import Outcome, RunResult, ScenarioResult
from .failure import failure_summary, format_failure, scenario_title
from .progress import LONG_RUNNING, Progress
from .status_line import CLEAR_LINE, StatusLine
from .transcript import format_output, format_transcript

QUIET, NORMAL, VERBOSE, VERY_VERBOSE = -1, 0, 1, 2

__all__ = ["CLEAR_LINE", "LONG_RUNNING", "ConsoleReporter", "color_wanted", "summary_line"]

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


def _dumb(env: Mapping[str, str]) -> bool:
    return env.get("TERM") == "dumb"


def color_wanted(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """The automatic colour decision: PY_COLORS, then NO_COLOR, then FORCE_COLOR, then
    "is it a terminal, and not TERM=dumb" (pytest's rules)."""
    env = os.environ if env is None else env
    if env.get("PY_COLORS") in ("0", "1"):
        return env["PY_COLORS"] == "1"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return _isatty(stream) and not _dumb(env)


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
    progress line is only ever drawn on a terminal (not ``TERM=dumb``), and
    never with ``-q``; ``progress=True`` on a plain stream numbers the
    scenario lines instead.  ``tick`` (seconds) redraws the live line from a
    timer thread; call ``close()`` (``run_finished`` does) to stop it.
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
        tick: float | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.stream = stream
        self.color = color_wanted(stream, env) if color is None else color
        self.verbosity = verbosity
        self.transcripts = transcripts
        self.show_output = show_output
        tty = _isatty(stream)
        wanted = (tty and verbosity > QUIET) if progress is None else progress
        self.live = wanted and tty and verbosity > QUIET and not _dumb(env)
        self.numbered = wanted and not tty and verbosity > QUIET
        self.progress = Progress(clock)
        self.screen = StatusLine(stream, self.progress.status, live=self.live, tick=tick)

    # ------------------------------------------------------------------ helpers

    def _paint(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def _scenario_line(self, result: ScenarioResult) -> str:
        tag, code = _TAGS[result.outcome]
        line = (
            f"{self._paint(f'{tag:<5}', code)} {escape_text(result.name)}  "
            f"{escape_text(result.location.short)}  {format_seconds(result.duration)}"
        )
        if self.numbered:
            total = self.progress.total_text
            line = f"[{self.progress.done:>{len(total)}}/{total}] {line}"
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

    # ------------------------------------------------------------------ events

    def run_started(self, total: int) -> None:
        """The run is about to start *total* scenarios."""
        self.progress.begin(total)
        self.screen.start()

    def scenario_started(self, scenario_id: str, name: str) -> None:
        """A scenario started: the status line can name it if it runs long."""
        with self.screen.lock:
            self.progress.scenario_started(scenario_id, name)

    def tick(self) -> None:
        """Redraw the live status line (the timer thread calls this)."""
        self.screen.redraw()

    def close(self) -> None:
        """Stop the timer thread, if any."""
        self.screen.stop()

    def scenario_finished(self, result: ScenarioResult) -> None:
        """Print the scenario's line (and, with ``-v``/``-vv``, its details) as it finishes."""
        failed = result.outcome in (Outcome.FAILED, Outcome.ERROR)
        # Under the lock: the timer must not draw counts that do not match the lines above.
        with self.screen.lock:
            self.progress.scenario_finished(result)
            lines: list[str] = []
            if self.verbosity > QUIET or failed:
                lines = [self._scenario_line(result), *self._detail_lines(result)]
            self.screen.write("".join(line + "\n" for line in lines))

    def run_finished(self, run: RunResult) -> None:
        """Explain every failure, print requested transcripts and outputs, then the summary."""
        closing = closing_lines(run, self._paint, self.transcripts, self.show_output)
        self.screen.finish("".join(closing))


def closing_lines(
    run: RunResult, paint: Callable[[str, str], str], transcripts: bool, show_output: bool
) -> list[str]:
    """The end of a console report: every failure explained, the requested transcripts and
    outputs, the scenarios an interruption cut off, and the summary line."""
    out: list[str] = []
    seed = run.options.get("seed")
    for result in run.scenarios:
        if result.outcome not in (Outcome.FAILED, Outcome.ERROR):
            continue
        head, _, body = format_failure(result).partition("\n")
        out.append("\n" + paint(head, _TAGS[result.outcome][1]) + "\n")
        if body:
            out.append(body + "\n")
        if seed is not None:
            out.append(f"  seed {seed} (--seed {seed} replays the same faults)\n")
    if transcripts:
        for result in run.scenarios:
            out.append(f"\n{paint('transcript', _BOLD)} {scenario_title(result)}\n")
            lines = format_transcript(result.transcript, since=0.0) or ["(no traffic)"]
            out.extend(f"  {line}\n" for line in lines)
    if show_output:
        for result in run.scenarios:
            # Failing scenarios already showed their processes' output.
            if result.outcome in (Outcome.FAILED, Outcome.ERROR) or not result.outputs:
                continue
            out.append(f"\n{paint('output', _BOLD)} {scenario_title(result)}\n")
            for actor, output in result.outputs:
                out.extend(f"  {line}\n" for line in format_output(actor, output))
    if run.interrupted:
        cut = [r for r in run.scenarios if r.outcome is Outcome.SKIPPED]
        if cut:
            out.append(f"\n{paint('interrupted', _BOLD)}: not finished or not started:\n")
            out.extend(
                f"  {scenario_title(r)}  ({escape_text(r.error or 'not run')})\n" for r in cut
            )
    code = _RED if run.failed or run.errors else _YELLOW if run.interrupted else _GREEN
    out.append("\n" + paint(summary_line(run), code) + "\n")
    return out
