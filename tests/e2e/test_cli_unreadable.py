"""A folder the user cannot list is a problem named at the folder, not a silent skip."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scenario_texts import GREETING

from .cli_support import RUN_LIMIT, cli_env


def _unprivileged() -> list[str]:
    """A command prefix under which permissions apply (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv: file permissions cannot be made to apply")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """scenarios/ with a readable greeting.yaml and a folder nobody may list."""
    (tmp_path / "scenarios" / "locked").mkdir(parents=True)
    (tmp_path / "scenarios" / "greeting.yaml").write_text(GREETING)
    (tmp_path / "scenarios" / "locked" / "hidden.yaml").write_text(GREETING)
    (tmp_path / "scenarios" / "locked").chmod(0)
    yield tmp_path
    (tmp_path / "scenarios" / "locked").chmod(0o700)


@pytest.mark.parametrize(
    ("command", "paths"),
    [("run", []), ("validate", ["scenarios/locked"]), ("list", ["scenarios"])],
)
def test_an_unreadable_folder_is_a_located_problem(
    locked: Path, command: str, paths: list[str]
) -> None:
    result = subprocess.run(
        [*_unprivileged(), sys.executable, "-m", "sockscen", command, *paths],
        cwd=locked,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert "scenarios/locked: cannot read the folder: Permission denied" in result.stderr
    assert "PASS" not in result.stdout  # nothing ran with a part of the suite missing
    assert "Traceback" not in result.stdout + result.stderr
