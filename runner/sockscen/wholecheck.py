"""Judging whole data against a matcher: a program's output, or a file (``expect_file``).

Shared by process clients (judged at exit), process servers (judged once
stopped) and the ``expect_file`` step (judged at each poll).  Regexes run
bounded (``sockscen.regexes``): a pattern that backtracks catastrophically
is a failure saying so, never a frozen run.
"""

from __future__ import annotations

from collections.abc import Callable

from .matchers import Exact, Matcher, Mismatch, Regex
from .placeholders import Ref
from .regexes import GaveUp, compile_regex
from .rendering import plural

#: Seconds a regex may spend on a whole output (a 16 MiB search by a sane pattern
#: takes milliseconds); ``regex`` notices its limit late, so it is kept small.
MATCH_TIMEOUT = 0.25

#: Bytes of a program's output kept when ``expect_stdout``/``expect_stderr`` must see all of it.
CHECKED_OUTPUT_LIMIT = 16 * 1024 * 1024


def check_output(
    matcher: Matcher, data: bytes, lookup: Callable[[Ref], str], what: str = "output"
) -> str | None:
    """None when *data* (a whole output stream) meets *matcher*, else the reason it does not.

    A regex is searched anywhere in the output (``{regex: PONG}`` accepts
    ``PONG\\n``); other matchers judge the whole output as one message.  An
    exact mismatch says at which offset, as a socket ``expect`` does.
    """
    if isinstance(matcher, Regex):
        found = compile_regex(matcher.regex(lookup).pattern).search(data, timeout=MATCH_TIMEOUT)
        if isinstance(found, GaveUp):
            return found.reason
        if found is None:
            return f"no part of the {what} matches the regex"
        return None
    if isinstance(matcher, Exact):
        want = matcher.expected(lookup)
        if data == want:
            return None
        common = min(len(data), len(want))
        diff = next((i for i in range(common) if data[i] != want[i]), None)
        if diff is not None:
            return f"different bytes at offset {diff}"
        have = plural(len(data), "byte")
        return f"the {what} has {have}, expected {len(want)} (the same up to offset {common})"
    verdict = matcher.check_frame(data, lookup)
    if isinstance(verdict, Mismatch):
        return verdict.reason
    return None


def whole_captures(matcher: Matcher, data: bytes, lookup: Callable[[Ref], str]) -> dict[str, str]:
    """The named groups of a ``regex`` found in *data* (already judged a match), as text."""
    if not isinstance(matcher, Regex):
        return {}
    found = compile_regex(matcher.regex(lookup).pattern).search(data, timeout=MATCH_TIMEOUT)
    if found is None or isinstance(found, GaveUp):
        return {}
    groups = found.groupdict().items()
    return {k: v.decode("utf-8", "surrogateescape") for k, v in groups if v is not None}
