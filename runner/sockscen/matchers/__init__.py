"""Matchers: what an ``expect`` consumes and what it checks.

Two entry points on every matcher, both pure:

* ``match_stream(buffer, eof, lookup)`` for an unframed byte stream: says how
  many bytes of the unread *buffer* the expectation takes, that it needs more
  data, or that it can already tell the data is wrong (an exact match fails
  at the first differing byte instead of waiting for its timeout).
* ``check_frame(frame, lookup)`` for one whole message: a frame cut by the
  connection's framing or by the matcher's own ``until`` delimiter, or one
  datagram.

Every matcher may carry ``until``: on an unframed stream the engine then
cuts a frame at that delimiter and calls ``check_frame`` on the part before it.
``length`` beside another form (``Sized``) and ``until: {regex: R}``
(``UntilRegex``) cut their frame themselves in ``match_stream`` and hand it
to the other form's ``check_frame``; ``all`` and ``not`` judge frames only.

One module per form; ``MATCHERS`` maps the YAML key that tells a form apart
to the function that builds it.  A new form is one module plus one line here
(plus its schema ``$def``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..payloads import PathKey, Payload
from . import allof, anydata, contains, exact, jsonsubset, length, negation, pattern, regex
from .allof import AllOf
from .anydata import AnyData
from .base import FrameChecker, MatcherBase, MatcherContext
from .contains import Contains
from .exact import Exact
from .jsonsubset import JsonSubset, json_subset_difference
from .length import Length
from .negation import Not
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch, NeedMore
from .pattern import Pattern
from .regex import Regex, compile_pattern
from .sized import Sized
from .untilregex import UntilRegex

Matcher = (
    Exact
    | Regex
    | Length
    | Contains
    | JsonSubset
    | AnyData
    | Pattern
    | AllOf
    | Not
    | Sized
    | UntilRegex
)

#: Builds one matcher from its mapping, given its already built ``until`` (or None).
MatcherBuilder = Callable[[MatcherContext, dict[str, Any], PathKey, "Payload | None"], Matcher]

#: Matcher forms by the YAML key that tells them apart, in the order they are looked for.
#: A mapping with none of these keys (only ``until``) matches any data.
MATCHERS: dict[str, MatcherBuilder] = {
    "regex": regex.build,
    "length": length.build,
    "contains": contains.build,
    "json": jsonsubset.build,
    "any": anydata.build,
    "all": allof.build,
    "not": negation.build,
    "text": exact.build,
    "hex": pattern.build_hex,
    "base64": exact.build,
    "file": exact.build,
}

__all__ = [
    "MATCHERS",
    "NEED_MORE",
    "AllOf",
    "AnyData",
    "Contains",
    "Exact",
    "FrameChecker",
    "JsonSubset",
    "Length",
    "MatchOutcome",
    "Matched",
    "Matcher",
    "MatcherBase",
    "MatcherBuilder",
    "MatcherContext",
    "Mismatch",
    "NeedMore",
    "Not",
    "Pattern",
    "Regex",
    "Sized",
    "UntilRegex",
    "compile_pattern",
    "json_subset_difference",
]
