r"""Rule servers' decisions: which rule answers a request, and why the others did not.

Pure (no trio, no sockets).  A framed request (a frame or a datagram) is
decided at once.  On an unframed stream, rules are tried in order on the
unread data, and a rule that cannot tell yet *holds* the decision: the
rules after it are not looked at until it can say, so the answer never
depends on how the bytes were split.  A regex ``when`` there is decided by
a partial match (``regexes.UserRegex.partial_match``): data that is still a
prefix of a possible match waits; a complete match is taken at once, so a
stream regex should end with something definite (``\r\n``, a fixed
length), not with an open repeat such as ``\d+`` (which takes the digits
received so far).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .framing import Framing
from .matchers import AnyData, Matched, Matcher, Mismatch, NeedMore, Regex
from .model import Rule
from .payloads import Lookup
from .regexes import GaveUp, compile_regex
from .rendering import escape_bytes, hex_bytes

#: The initial state of every state scope.
START = "start"

#: Regexes that fully match any bytes at all (see ``is_catch_all``).
_CATCH_ALL_PATTERNS = frozenset({"(?s).*", "(?s:.*)", r"[\s\S]*", r"[\S\s]*", r"(?s)^.*$"})


@dataclass
class RuleScope:
    """The state of one scope (a connection, a datagram sender, or the server).

    ``uses`` counts, per rule, the requests it answered in this scope: the
    index of its next reply.
    """

    state: str = START
    uses: dict[int, int] = field(default_factory=dict)

    def next_reply(self, index: int, count: int) -> int:
        """The index of the reply to use now for rule *index* with *count* replies."""
        used = self.uses.get(index, 0)
        if used < count:  # once the last one repeats, the counter need not grow
            self.uses[index] = used + 1
        return min(used, count - 1)


@dataclass(frozen=True, slots=True)
class Decision:
    """A request decided: the rule that took it (``None``: no rule did) and what it consumed.

    ``misses`` holds, per rule tried, why it did not match (for the near-miss report).
    ``gave_up`` names the rule whose regex gave up on the request: that rule could
    not say, so no later rule (nor ``default``) may answer, and the request fails.
    """

    index: int | None
    consumed: int
    captures: dict[str, str]
    misses: tuple[tuple[int, str], ...] = ()
    gave_up: str | None = None


def applies(rule: Rule, state: str) -> bool:
    """Whether *rule* may answer in *state* (a rule without ``state`` applies in all)."""
    return rule.state is None or rule.state == state


def _applicable(
    rules: tuple[Rule, ...], state: str, misses: list[tuple[int, str]]
) -> Iterator[tuple[int, Rule]]:
    """The rules that may answer in *state*, with their index; each other one noted in *misses*."""
    for i, rule in enumerate(rules):
        if applies(rule, state):
            yield i, rule
        else:
            misses.append((i, f"it applies in state '{rule.state}', the state is '{state}'"))


def decide_frame(rules: tuple[Rule, ...], state: str, frame: bytes, lookup: Lookup) -> Decision:
    """The first rule whose ``when`` matches the whole *frame* (a frame or a datagram)."""
    misses: list[tuple[int, str]] = []
    for i, rule in _applicable(rules, state, misses):
        assert rule.when is not None
        got = rule.when.check_frame(frame, lookup)
        if isinstance(got, Matched):
            return Decision(i, len(frame), got.captures, tuple(misses))
        misses.append((i, _reason(rule.when, got, frame)))
        if got.gave_up:
            return _gave_up(rule, len(frame), misses)
    return Decision(None, len(frame), {}, tuple(misses))


def _gave_up(rule: Rule, consumed: int, misses: list[tuple[int, str]]) -> Decision:
    return Decision(
        None,
        consumed,
        {},
        tuple(misses),
        gave_up=f"{rule.name} ({rule.location})",
    )


def decide_stream(
    rules: tuple[Rule, ...], state: str, data: bytes | bytearray, eof: bool, lookup: Lookup
) -> Decision | None:
    """The first rule whose ``when`` matches the front of *data*; None while one cannot tell.

    When no rule can match, the request is all the unread data.
    """
    misses: list[tuple[int, str]] = []
    for i, rule in _applicable(rules, state, misses):
        assert rule.when is not None
        got = stream_outcome(rule.when, data, eof, lookup)
        if isinstance(got, NeedMore):
            return None
        if isinstance(got, Matched):
            return Decision(i, got.consumed, got.captures, tuple(misses))
        misses.append((i, _reason(rule.when, got, bytes(data))))
        if got.gave_up:
            return _gave_up(rule, len(data), misses)
    return Decision(None, len(data), {}, tuple(misses))


def stream_outcome(
    matcher: Matcher, data: bytes | bytearray, eof: bool, lookup: Lookup
) -> Matched | NeedMore | Mismatch:
    """What *matcher* says of the front of an unframed stream (``until`` and regexes included)."""
    delimiter = matcher.delimiter(lookup)
    if delimiter is not None:
        end = data.find(delimiter)
        if end < 0:
            if eof:
                return Mismatch(f"no {escape_bytes(delimiter)} ('until') before the end", len(data))
            return NeedMore()
        got = matcher.check_frame(bytes(data[:end]), lookup)
        if isinstance(got, Matched):
            return Matched(end + len(delimiter), got.captures)
        return got
    if isinstance(matcher, Regex):
        return _regex_outcome(matcher, data, eof, lookup)
    return matcher.match_stream(data, eof, lookup)


def _regex_outcome(
    matcher: Regex, data: bytes | bytearray, eof: bool, lookup: Lookup
) -> Matched | NeedMore | Mismatch:
    pattern = compile_regex(matcher.regex(lookup).pattern)
    got = pattern.partial_match(data)
    if isinstance(got, GaveUp):
        return Mismatch(got.reason, len(data), gave_up=True)
    found, partial = got
    if found is None or (partial and eof):
        return Mismatch("the data does not match the regex", len(data))
    if partial:
        return NeedMore()
    names = found.groupdict()
    caps = {k: v.decode("utf-8", "surrogateescape") for k, v in names.items() if v is not None}
    return Matched(found.end(), caps)


def _reason(matcher: Matcher, got: Mismatch, data: bytes) -> str:
    if got.gave_up:
        return f"{matcher.describe()}: {got.reason}"
    if isinstance(matcher, Regex):
        return f"the regex /{matcher.pattern.source}/ does not match"
    reason = got.reason
    if reason.startswith("different bytes at offset "):
        at = int(reason.rsplit(" ", 1)[1])
        return f"{matcher.describe()}: first difference at byte {at} ({_byte_at(data, at)})"
    if reason == "different bytes":
        diff = _first_difference(matcher, data)
        if diff is not None:
            return f"{matcher.describe()}: first difference at byte {diff} ({_byte_at(data, diff)})"
    return f"{matcher.describe()}: {reason}"


def _first_difference(matcher: Matcher, data: bytes) -> int | None:
    static = getattr(getattr(matcher, "payload", None), "static", None)
    if not isinstance(static, bytes):
        return None
    return next((i for i, (a, b) in enumerate(zip(data, static, strict=False)) if a != b), None)


def _byte_at(data: bytes, at: int) -> str:
    if at >= len(data):
        return "the request is shorter"
    return f"received {escape_bytes(data[at : at + 1])}"


def near_miss(
    rules: tuple[Rule, ...], decision: Decision, request: bytes, state: str
) -> tuple[str, ...]:
    """The report lines of an unmatched request: the request in text and hex, then each rule."""
    lines = [
        f"request ({len(request)} bytes, state '{state}'): {escape_bytes(request[:200])}",
        f"  hex: {hex_bytes(request)}",
        "no rule matched:",
    ]
    for i, why in decision.misses:
        rule = rules[i]
        lines.append(f"  {rule.location}: {rule.name}: {why}")
    return tuple(lines)


def is_catch_all(matcher: Matcher, framing: Framing) -> bool:
    """Whether *matcher* takes any request at all, so no rule after it can ever be reached.

    Precisely: ``{any: true}`` without ``until``; or a regex without
    placeholders that is exactly ``(?s).*``, ``(?s:.*)``, ``[\\s\\S]*`` or
    ``[\\S\\s]*``; or ``.*`` under ``framing: line`` (a line holds no newline).
    """
    if isinstance(matcher, AnyData):
        return matcher.until is None
    if isinstance(matcher, Regex) and matcher.until is None and matcher.pattern.is_static:
        source = matcher.pattern.static_value
        return source in _CATCH_ALL_PATTERNS or (source == ".*" and framing.kind == "line")
    return False


def unreachable(rules: tuple[Rule, ...], framing: Framing) -> list[tuple[int, int]]:
    """``(later, earlier)`` pairs: rule *later* can never match because of rule *earlier*.

    *earlier* is a catch-all (``is_catch_all``) with no ``state`` or the same
    ``state`` as *later*.
    """
    found: list[tuple[int, int]] = []
    for j, rule in enumerate(rules):
        for i in range(j):
            earlier = rules[i]
            assert earlier.when is not None
            if (earlier.state is None or earlier.state == rule.state) and is_catch_all(
                earlier.when, framing
            ):
                found.append((j, i))
                break
    return found


__all__ = [
    "START",
    "Decision",
    "RuleScope",
    "applies",
    "decide_frame",
    "decide_stream",
    "is_catch_all",
    "near_miss",
    "stream_outcome",
    "unreachable",
]
