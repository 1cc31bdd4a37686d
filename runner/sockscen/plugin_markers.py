"""Scenario tags as pytest markers, and the tags that must not become markers.

Every tag of a collected scenario becomes a marker of its item (so ``-m``
selects scenarios like tests).  A tag spelled like a marker that *takes
arguments* (``skipif``, ``parametrize``, ``usefixtures``, pytest-timeout's
``timeout`` ...) would hand that plugin a marker without its arguments: it
silently skips, or aborts the session with an INTERNALERROR.  Such a tag is
refused when the file is collected, at the tag's ``file:line:col``; the
``sockscen`` command, which has no markers, keeps accepting it.  ``skip``
and ``xfail`` are the exceptions: bare, they mean "skip" and "expected to
fail", which is what such a tag asks for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .errors import Location, Problem
    from .model import Scenario

__all__ = ["marker_clashes", "markers_with_arguments", "register_tags"]

#: Markers whose bare form has a meaning a tag can ask for.
_BARE_MEANINGFUL = frozenset({"skip", "xfail"})
#: ``name(args...): help`` as registered in the ``markers`` ini value.
_WITH_ARGUMENTS = re.compile(r"^\s*([A-Za-z_][\w]*)\s*\(")

_markers_key = pytest.StashKey[set[str]]()


def markers_with_arguments(config: pytest.Config) -> frozenset[str]:
    """Names of the registered markers that take arguments (but ``skip`` and ``xfail``)."""
    lines: list[str] = config.getini("markers")
    named = {m.group(1) for line in lines if (m := _WITH_ARGUMENTS.match(line))}
    return frozenset(named - _BARE_MEANINGFUL)


def _tag_location(path: Path, shown: str, scenario: Scenario, tag: str) -> Location:
    """Where *tag* is written in *scenario* (the scenario's own line if it cannot be found)."""
    from . import yamlsource

    try:
        documents, _problems = yamlsource.parse(path.read_text(encoding="utf-8"), shown)
    except (OSError, UnicodeDecodeError):
        return scenario.location
    for doc in documents:
        if not isinstance(doc.value, dict) or doc.value.get("name") != scenario.name:
            continue
        tags = doc.value.get("tags")
        if isinstance(tags, list) and tag in tags:
            return doc.marks.value(("tags", tags.index(tag)))
    return scenario.location


def marker_clashes(
    config: pytest.Config, path: Path, scenarios: Iterable[Scenario]
) -> list[Problem]:
    """A located problem per scenario tag that is a marker taking arguments."""
    from .errors import Problem

    acting = markers_with_arguments(config)
    problems = []
    for scenario in scenarios:
        for tag in scenario.tags:
            if tag not in acting:
                continue
            where = _tag_location(path, scenario.path, scenario, tag)
            problems.append(
                Problem(
                    where,
                    f"tag {tag!r} is the name of a pytest marker that takes arguments "
                    f"(@pytest.mark.{tag}(...)); as a scenario's marker it would act "
                    "without them",
                    f"rename the tag, e.g. {tag}-scenario or needs-{tag}",
                )
            )
    return problems


def register_tags(config: pytest.Config, tags: set[str]) -> None:
    """Register tags as markers, which keeps ``--strict-markers`` happy."""
    known = config.stash.setdefault(_markers_key, set())
    for tag in sorted(tags - known):
        config.addinivalue_line("markers", f"{tag}: sockscen scenario tag")
        known.add(tag)
