"""``json`` matchers: one whole message that parses as JSON and contains the expected value."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from ..payloads import Lookup, PathKey, Payload
from ..payloads.jsonvalue import build_json_value, expand_json, map_templates
from .base import FrameOnly, MatcherContext
from .outcomes import Matched, Mismatch


@dataclass(frozen=True, slots=True)
class JsonSubset(FrameOnly):
    """One message that parses as JSON and of which ``value`` is a subset.

    Objects: every expected key is present with a matching value (extra keys
    allowed).  Arrays: same length, each element matching.  Scalars: equal
    (``1 == 1.0``, but ``true`` is not ``1``).  Strings may hold placeholders.
    """

    FORM: ClassVar[str] = "json"

    value: Any = None

    def describe(self) -> str:
        """``JSON containing {...}`` as reports show it, placeholders as written."""
        plain = map_templates(self.value, lambda tpl: tpl.source)
        return f"JSON containing {json.dumps(plain, separators=(',', ':'))}" + self._until_text()

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """The frame must parse as JSON and contain the expected value."""
        depth = json_depth(frame)
        if depth > MAX_JSON_DEPTH:
            # The peer's message, not a bug of ours: Python's parser would raise RecursionError.
            return Mismatch(
                f"the message is JSON nested deeper than {MAX_JSON_DEPTH} levels "
                f"(at least {depth}); sockscen does not parse it",
                len(frame),
            )
        try:
            actual = json.loads(frame.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            return Mismatch(f"the message is not JSON ({exc})", len(frame))
        where = json_subset_difference(expand_json(self.value, lookup), actual, "$")
        if where is not None:
            return Mismatch(where, len(frame))
        return Matched(len(frame))


#: Deepest JSON a peer's message may nest; Python's recursion limit is 1000 frames.
MAX_JSON_DEPTH = 500

_OPENERS = re.compile(rb'[\[{]|"(?:[^"\\]|\\.)*"|[\]}]')


def json_depth(frame: bytes) -> int:
    """How deep *frame*'s brackets nest outside strings, counting only up to just past the limit.

    Linear, and free for ordinary messages: the bracket count bounds the depth,
    so only a message with more brackets than the limit is scanned.
    """
    if frame.count(b"[") + frame.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    depth = 0
    for match in _OPENERS.finditer(frame):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return depth
        elif token in (b"]", b"}"):
            depth -= 1
    return max(depth, 0)


def json_subset_difference(expected: Any, actual: Any, path: str) -> str | None:
    """None when *expected* is a subset of *actual*, else a sentence naming the first difference."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"at {path}: expected an object, got {json.dumps(actual)[:80]}"
        for key, want in expected.items():
            if key not in actual:
                return f"at {path}: key {key!r} is missing"
            diff = json_subset_difference(want, actual[key], f"{path}.{key}")
            if diff is not None:
                return diff
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"at {path}: expected an array, got {json.dumps(actual)[:80]}"
        if len(expected) != len(actual):
            return f"at {path}: expected {len(expected)} elements, got {len(actual)}"
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            diff = json_subset_difference(want, got, f"{path}[{i}]")
            if diff is not None:
                return diff
        return None
    same_kind = isinstance(expected, bool) == isinstance(actual, bool)
    # Python's json reads NaN; a NaN is expected to match a NaN.
    both_nan = (
        isinstance(expected, float)
        and isinstance(actual, float)
        and expected != expected
        and actual != actual
    )
    if (
        not same_kind
        or (expected != actual and not both_nan)
        or (expected is None) != (actual is None)
    ):
        return f"at {path}: expected {json.dumps(expected)}, got {json.dumps(actual)[:80]}"
    return None


def build(
    ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None
) -> JsonSubset:
    """``{json: VALUE}``."""
    return JsonSubset(until=until, value=build_json_value(ctx, value["json"], (*at, "json")))
