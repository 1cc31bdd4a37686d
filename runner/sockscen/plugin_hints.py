"""The one-line hint for scenario files that a folder named on the command line holds but
the collection rules left out (``pytest checks/`` with YAML not below ``scenarios/``).

Only files that look like scenarios (a top-level ``clients:`` or ``servers:``
key) count, so a ``docker-compose.yml`` never triggers it, and the walk is
bounded: a huge tree costs at most ``MAX_VISITED`` directory entries.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

__all__ = ["MAX_VISITED", "looks_like_scenario", "uncollected_hint"]

MAX_VISITED = 5000
#: Bytes read from a candidate file to decide whether it looks like a scenario.
_HEAD = 16 * 1024
_SCENARIO_KEY = re.compile(rb"^(?:clients|servers)\s*:", re.MULTILINE)
_SKIPPED_DIRS = frozenset({"node_modules", "venv", "__pycache__", "build", "dist"})


def looks_like_scenario(path: Path) -> bool:
    """Whether *path* starts like a scenario file (a top-level clients: or servers: key)."""
    try:
        with path.open("rb") as f:
            head = f.read(_HEAD)
    except OSError:
        return False
    return _SCENARIO_KEY.search(head) is not None


def _yaml_below(folder: Path) -> list[Path]:
    found: list[Path] = []
    visited = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        visited += len(dirs) + len(files)
        found.extend(Path(root, f) for f in sorted(files) if f.endswith((".yaml", ".yml")))
        if visited > MAX_VISITED:
            break
    return found


def _named_folders(config: pytest.Config) -> list[Path]:
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return []
    base = config.invocation_params.dir
    folders = []
    for arg in config.args:
        # Normalised like the paths pytest hands to pytest_collect_file ("a/../b" -> "b").
        path = Path(os.path.abspath(base / arg.split("::", 1)[0]))
        if path.is_dir():
            folders.append(path)
    return folders


def uncollected_hint(
    config: pytest.Config, collected: set[Path], patterns: list[str]
) -> str | None:
    """One line naming how many scenario-like files were left out and how to include them."""
    missed: list[Path] = []
    folders = _named_folders(config)
    for folder in folders:
        missed.extend(
            p for p in _yaml_below(folder) if p not in collected and looks_like_scenario(p)
        )
    if not missed:
        return None
    missed = sorted(set(missed))
    try:
        first = missed[0].relative_to(config.rootpath).as_posix()
    except ValueError:
        first = missed[0].as_posix()
    count = len(missed)
    files = "file" if count == 1 else "files"
    head = f"sockscen: {count} YAML {files} that look like scenarios (e.g. {first}) not collected"
    if patterns:
        return f"{head}: they match no sockscen_files pattern; add one, or name them"
    return (
        f"{head}: only *.yaml below a 'scenarios' folder and *.scn.yaml are; name them, "
        "rename them *.scn.yaml, or set the ini option sockscen_files (e.g. **/*.yaml)"
    )
