"""``json:`` parts, and the JSON values with placeholder strings that ``json`` matchers share."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..placeholders import Template
from .base import Lookup, PartContext, PathKey


def map_templates(value: Any, leaf: Callable[[Template], Any]) -> Any:
    """*value* with each ``Template`` leaf replaced by ``leaf(template)``."""
    if isinstance(value, Template):
        return leaf(value)
    if isinstance(value, dict):
        return {k: map_templates(v, leaf) for k, v in value.items()}
    if isinstance(value, list):
        return [map_templates(v, leaf) for v in value]
    return value


def templates_in(value: Any) -> Iterator[Template]:
    """Every ``Template`` leaf of *value*."""
    if isinstance(value, Template):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from templates_in(item)


def expand_json(value: Any, lookup: Lookup) -> Any:
    """*value* with every placeholder string expanded through *lookup*."""
    return map_templates(value, lambda tpl: tpl.expand(lookup))


def build_json_value(ctx: PartContext, value: Any, at: PathKey) -> Any:
    """A YAML value as JSON, each string a checked template."""
    if isinstance(value, str):
        return ctx.template(value, at)
    if isinstance(value, dict):
        return {k: build_json_value(ctx, v, (*at, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [build_json_value(ctx, v, (*at, i)) for i, v in enumerate(value)]
    return value


def _refuse_non_finite(ctx: PartContext, value: Any, at: PathKey) -> None:
    """A problem for each NaN or infinity: json.dumps writes them as text no JSON parser takes.

    Payloads only: a ``json`` matcher may expect the NaN a Python peer sends.
    """
    if isinstance(value, float) and not math.isfinite(value):
        ctx.problem(at, f"JSON has no {value!r}: only finite numbers", "write a number or a string")
    elif isinstance(value, dict):
        for k, v in value.items():
            _refuse_non_finite(ctx, v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _refuse_non_finite(ctx, v, (*at, i))


@dataclass(frozen=True, slots=True)
class JsonPart:
    """A JSON value; strings inside it may hold placeholders (``Template`` leaves)."""

    value: Any

    @property
    def is_static(self) -> bool:
        """True when no string inside holds a placeholder."""
        return all(tpl.is_static for tpl in templates_in(self.value))

    def render(self, lookup: Lookup) -> bytes:
        """The value as compact JSON in UTF-8, placeholders expanded."""
        return json.dumps(
            expand_json(self.value, lookup), separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8", "surrogateescape")


def build(ctx: PartContext, value: dict[str, Any], at: PathKey) -> JsonPart:
    """``{json: VALUE}``."""
    _refuse_non_finite(ctx, value["json"], (*at, "json"))
    return JsonPart(build_json_value(ctx, value["json"], (*at, "json")))
