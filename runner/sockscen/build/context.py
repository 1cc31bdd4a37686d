"""The state of building one scenario: its problems, where things are, and the kind registries.

``Context`` is what every kind's builder is handed (it implements
``payloads.PartContext``, ``matchers.MatcherContext`` and
``kinds.StepContext``): it records located problems, parses durations and
templates (checking each placeholder), and dispatches payloads, matchers and
steps to their builders by YAML key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import model
from ..durations import parse_duration
from ..errors import Location, Problem
from ..kinds import ActorInfo
from ..matchers import Matcher
from ..payloads import Payload
from ..placeholders import PlaceholderError, Template, parse_template, static
from ..yamlsource import Marks, PathKey
from .matching import build_frame_matcher, build_matcher
from .payloads import build_payload
from .refs import References
from .steps import build_steps


class Context:
    """One scenario being built: a schema-valid document, its marks, and the problems found."""

    def __init__(
        self,
        doc: dict[str, Any],
        marks: Marks,
        path: str,
        directory: str,
        environ: Mapping[str, str],
    ) -> None:
        self.doc = doc
        self.marks = marks
        self.path = path
        self.directory = directory
        self.problems: list[Problem] = []
        self.refs = References(doc, environ, self.problem)
        self.notified: set[str] = set()
        self.waits: list[tuple[str, PathKey]] = []

    def problem(
        self, at: PathKey, message: str, hint: str | None = None, *, key: bool = False
    ) -> None:
        """Record a problem on the value at *at* (on its key with *key*)."""
        loc = self.marks.key(at) if key else self.marks.value(at)
        self.problems.append(Problem(loc, message, hint))

    def loc(self, at: PathKey) -> Location:
        """Where the value at *at* is."""
        return self.marks.value(at)

    def loc_if(self, node: dict[str, Any], at: PathKey, key: str) -> Location | None:
        """Where ``node[key]`` (at ``at + key``) is, None when *node* has no *key*."""
        return self.marks.value((*at, key)) if key in node else None

    def key_loc(self, at: PathKey) -> Location:
        """Where the key of the entry at *at* is."""
        return self.marks.key(at)

    def duration(self, value: Any, at: PathKey) -> float:
        """*value* in seconds; a problem (and 0.0) when it is not a usable duration."""
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.problem(at, str(exc))
            return 0.0
        # A zero wait is fine for sleep or a stop grace; a zero timeout can only fail.
        if seconds == 0 and at[-1] == "timeout" and "stop" not in at:
            self.problem(at, "a timeout of 0 can only fail at once; give it more than 0")
        return seconds

    def template(self, text: str, at: PathKey, *, listen: bool = False) -> Template:
        """*text* as a template, each placeholder checked against the scenario."""
        try:
            tpl = parse_template(text)
        except PlaceholderError as exc:
            self.problem(at, str(exc))
            return static(text)
        for ref in tpl.refs:
            self.refs.check(ref, at, listen=listen)
        return tpl

    def payload(self, value: Any, at: PathKey) -> Payload:
        """The payload written at *at*."""
        return build_payload(self, value, at)

    def matcher(self, value: Any, at: PathKey, actor: ActorInfo | None) -> Matcher:
        """The matcher written at *at*, checked against *actor*'s connection."""
        return build_matcher(self, value, at, actor)

    def frame_matcher(self, value: Any, at: PathKey) -> Matcher:
        """The matcher written at *at* inside ``all`` / ``not`` (it checks a frame already cut)."""
        return build_frame_matcher(self, value, at)

    def steps(
        self, items: Sequence[Any], at: PathKey, actor: ActorInfo, prefix: str = ""
    ) -> tuple[model.Step, ...]:
        """The step list at *at*."""
        return build_steps(self, items, at, actor, prefix)

    def notify(self, event: str) -> None:
        """Record that some actor notifies *event*."""
        self.notified.add(event)

    def wait(self, event: str, at: PathKey) -> None:
        """Record a wait for *event*, checked by ``unmatched_waits`` once everything is built."""
        self.waits.append((event, at))
