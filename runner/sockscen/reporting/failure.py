"""The diagnosis of a failed or errored scenario, as text.

The same text is shown by the console, by pytest's ``repr_failure`` and in
JUnit ``<failure>`` elements, so it is written to be read without the YAML
open: who failed (actor and side), at which step and ``file:line``, what was
expected, what arrived (escaped text plus hex when it is not plain text),
how long the step waited, and the actor's transcript up to the failure::

    FAILED scenarios/echo.yaml::echo returns each line
      client alice, step 2 (scenarios/echo.yaml:17): expect "hello\\n"
      different bytes from byte 1
      received 6 bytes after 0.012s: "hallo\\n"   68 61 6c 6c 6f 0a
      transcript (alice):
        +0.003s  -> 6 bytes  "hello\\n"
        +0.012s  <- 6 bytes  "hallo\\n"
"""

from __future__ import annotations

from ..rendering import (
    escape_text,
    format_seconds,
    hex_bytes,
    hexdump,
    is_printable,
    plural,
    quote_bytes,
)
from ..results import ActorResult, Failure, Outcome, Role, ScenarioResult
from .transcript import format_output, format_transcript, transcript_of

#: Data up to this size gets its hex on the same line as the text.
INLINE_HEX = 16
#: How many identically failing copies are named before "...".
COPIES_NAMED = 8
#: A failure's transcript shows at most this many of the actor's last events.
TRANSCRIPT_EVENTS = 40

_ROLE_WORDS: dict[Role, str] = {
    "client": "client",
    "server": "scripted server",
    "process-client": "process client",
    "process-server": "process server",
    "scenario": "scenario",
}

_HEADLINE_WORDS = {
    Outcome.PASSED: "PASSED",
    Outcome.FAILED: "FAILED",
    Outcome.ERROR: "ERROR",
    Outcome.SKIPPED: "SKIPPED",
}


def scenario_title(result: ScenarioResult) -> str:
    """``path::name``, how reports name a scenario."""
    return f"{escape_text(result.path)}::{escape_text(result.name)}"


def _actor_result(result: ScenarioResult, actor: str) -> ActorResult | None:
    for candidate in result.actors:
        if candidate.actor == actor:
            return candidate
    return None


def actor_label(result: ScenarioResult, failure: Failure) -> str:
    """``client alice[3]``, ``scripted server echo#2``: which side failed, and which copy."""
    if failure.role == "scenario":
        return "the scenario"
    name = failure.actor
    found = _actor_result(result, name)
    # A handler's label already says which connection it was (``mta#1``).
    if found is not None and found.copy is not None and "[" not in name and "#" not in name:
        name = f"{name}[{found.copy}]"
    return f"{_ROLE_WORDS.get(failure.role, failure.role)} {escape_text(name)}"


def failure_headline(result: ScenarioResult, failure: Failure) -> str:
    """``client alice, step 2 (scenarios/echo.yaml:17): expect "hello\\n"``."""
    text = actor_label(result, failure)
    if failure.step is not None:
        text += f", step {escape_text(failure.step)}"
    if failure.location is not None:
        text += f" ({escape_text(failure.location.short)})"
    if failure.step_text:
        text += f": {escape_text(failure.step_text)}"
    return text


def failure_summary(result: ScenarioResult) -> str:
    """One line saying why *result* did not pass (JUnit ``message``, annotation titles)."""
    if result.failures:
        first = result.failures[0]
        text = actor_label(result, first)
        if first.step is not None:
            text += f", step {escape_text(first.step)}"
        text += f": {escape_text(first.message)}"
        if len(result.failures) > 1:
            text += f" (and {plural(len(result.failures) - 1, 'more failure')})"
        return text
    first_line = next((r for r in (result.error or "").splitlines() if r.strip()), "")
    if first_line:
        return escape_text(first_line.strip())
    # Readers show this as the headline: never leave it empty.
    return {Outcome.ERROR: "setup error", Outcome.SKIPPED: "not run"}.get(
        result.outcome, result.outcome.value
    )


def _show_bytes(data: bytes, *, inline_hex: int = INLINE_HEX) -> tuple[str, list[str]]:
    """(text for the line, extra hex-dump lines) for a piece of evidence."""
    text = quote_bytes(data)
    if len(data) <= inline_hex:
        return f"{text}   {hex_bytes(data)}", []
    if is_printable(data):
        return text, []
    return text, hexdump(data)


def failure_evidence(failure: Failure) -> list[str]:
    """The lines after the headline: message, expected, received, details (no indent)."""
    lines: list[str] = []
    if failure.message:
        lines.extend(escape_text(row) for row in failure.message.splitlines())
    if failure.expected is not None:
        shown, dump = _show_bytes(failure.expected)
        # The step text usually already quotes printable expected bytes; say it once.
        already = is_printable(failure.expected) and quote_bytes(failure.expected) in (
            failure.step_text or ""
        )
        if not already:
            lines.append(f"expected {plural(len(failure.expected), 'byte')}: {shown}")
            lines.extend("  " + row for row in dump)
    if failure.expected_text:
        lines.append(f"expected: {escape_text(failure.expected_text)}")
    after = f" after {format_seconds(failure.waited)}" if failure.waited is not None else ""
    if failure.received is not None:
        if not failure.received:
            lines.append(f"received nothing{after}")
        else:
            shown, dump = _show_bytes(failure.received)
            lines.append(f"received {plural(len(failure.received), 'byte')}{after}: {shown}")
            lines.extend("  " + row for row in dump)
    elif failure.waited is not None:
        lines.append(f"waited {format_seconds(failure.waited)}")
    lines.extend(escape_text(row) for row in failure.details)
    return lines


def _failure_transcript(result: ScenarioResult, failure: Failure) -> tuple[str, list[str]]:
    """(title, lines) of the failing actor's transcript.

    A failure may name a whole server (a ``connections`` count) rather than
    one connection: then every connection of that server is shown, with the
    actor column so they can be told apart.
    """
    exact = _actor_result(result, failure.actor)
    if exact is not None:
        entries = list(exact.transcript)
        show_actor = False
    else:
        names = [a.actor for a in result.actors if a.name == failure.actor]
        entries = transcript_of(result, names)
        show_actor = True
    hidden = max(0, len(entries) - TRANSCRIPT_EVENTS)
    lines = []
    if hidden:
        lines.append(f"({plural(hidden, 'earlier event')} not shown)")
    lines.extend(format_transcript(entries[hidden:], since=0.0, show_actor=show_actor))
    return f"transcript ({escape_text(failure.actor)}):", lines


def _indent(lines: list[str], prefix: str) -> list[str]:
    return [prefix + line if line else line for line in lines]


def group_copies(result: ScenarioResult) -> list[tuple[Failure, list[Failure]]]:
    """Failures with the copies that failed identically folded into the first one.

    Fifty copies of a client meeting the same wrong reply would otherwise
    print fifty identical diagnoses.  The head of each group is the lowest copy.
    """
    names = {a.actor: a.name for a in result.actors}
    # Groups keep the order their first failure happened in (the first is the cause).
    groups: dict[tuple[object, ...], list[Failure]] = {}
    for failure in result.failures:
        name = names.get(failure.actor, failure.actor)
        key = (name, failure.role, failure.step, failure.message, failure.location)
        groups.setdefault(key, []).append(failure)
    folded = []
    for members in groups.values():
        head, *alike = sorted(members, key=_copy_order)
        folded.append((head, alike))
    return folded


def _copy_order(failure: Failure) -> tuple[str, int]:
    """Sort key keeping the order of actors but numbering copies naturally (c[2] before c[10])."""
    label = failure.actor
    for open_, close in (("[", "]"), ("#", "")):
        head, sep, tail = label.rpartition(open_)
        number = tail[: -len(close)] if close and tail.endswith(close) else tail
        if sep and number.isdigit():
            return head, int(number)
    return label, 0


def failure_lines(result: ScenarioResult) -> list[str]:
    """The body of :func:`format_failure` as lines, without the ``FAILED ...`` headline."""
    lines: list[str] = []
    if result.error:
        where = (
            f"{escape_text(result.error_location.short)}: "
            if result.error_location is not None
            else ""
        )
        first, *rest = result.error.splitlines() or [""]
        lines.append(f"  {where}{escape_text(first)}")
        lines.extend(_indent([escape_text(r) for r in rest], "    "))
    shown_transcripts: set[str] = set()
    for failure, alike in group_copies(result):
        lines.append("  " + failure_headline(result, failure))
        lines.extend(_indent(failure_evidence(failure), "  "))
        if alike:
            names = ", ".join(escape_text(f.actor) for f in alike[:COPIES_NAMED])
            more = ", ..." if len(alike) > COPIES_NAMED else ""
            lines.append(
                f"  ... and {plural(len(alike), 'more copy', 'more copies')} failed the same way: "
                f"{names}{more}"
            )
        if failure.actor in shown_transcripts:
            continue
        shown_transcripts.add(failure.actor)
        title, transcript = _failure_transcript(result, failure)
        if transcript:
            lines.append("  " + title)
            lines.extend(_indent(transcript, "    "))
    for actor, output in result.outputs:
        lines.extend(_indent(format_output(actor, output), "  "))
    if result.files:
        shown = ", ".join(f"{escape_text(p)} ({plural(n, 'byte')})" for p, n in result.files)
        lines.append(f"  files written: {shown}")
    return lines


def format_failure(result: ScenarioResult) -> str:
    """The full diagnosis of *result*: headline, each failure with evidence, transcripts, outputs.

    For an ERROR it is the setup error with its location and every process's
    output tail.  A passing result gives just its headline.
    """
    head = f"{_HEADLINE_WORDS[result.outcome]} {scenario_title(result)}"
    return "\n".join([head, *failure_lines(result)])
