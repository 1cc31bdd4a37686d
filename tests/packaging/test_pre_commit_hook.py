"""The `sockscen-validate` pre-commit hook: a valid definition that picks scenario files only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / ".pre-commit-hooks.yaml"


def hook() -> dict[str, Any]:
    (found,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert found["id"] == "sockscen-validate"
    return dict(found)


def test_pre_commit_accepts_the_hook_definition() -> None:
    """pre-commit's own manifest schema (the one `pre-commit try-repo` applies) accepts it."""
    try:
        from pre_commit.clientlib import load_manifest
    except ImportError:
        message = "pre-commit is not installed: pip install '.[dev]'"
        if os.environ.get("SOCKSCEN_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    (loaded,) = load_manifest(str(HOOKS))
    assert loaded["entry"] == "sockscen validate"
    assert loaded["language"] == "python"
    assert loaded["pass_filenames"] is True


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("echo.scn.yaml", True),
        ("tests/net/login.scn.yml", True),
        ("scenarios/greeting.yaml", True),
        ("tests/scenarios/programs/daytime.yml", True),
        ("ci.yaml", False),
        (".github/workflows/test.yml", False),
        ("docker-compose.yml", False),
        ("scenarios/servers/echo.py", False),
        ("myscenarios/x.yaml", False),
    ],
)
def test_hook_selects_scenario_files_only(path: str, selected: bool) -> None:
    assert bool(re.search(hook()["files"], path)) is selected


def test_hook_entry_reports_the_invalid_file(tmp_path: Path) -> None:
    """What pre-commit runs: the entry with the selected files as arguments."""
    good = tmp_path / "scenarios" / "greeting.yaml"
    good.parent.mkdir()
    shutil.copy2(REPO / "scenarios" / "greeting.yaml", good)
    bad = tmp_path / "bad.scn.yaml"
    bad.write_text("name: bad\nclients:\n  c:\n    conect: tcp://127.0.0.1:7\n")
    program, *args = hook()["entry"].split()
    executable = Path(sys.executable).parent / program
    assert executable.exists(), f"{program} is not installed beside {sys.executable}"
    done = subprocess.run(
        [str(executable), *args, "scenarios/greeting.yaml", "bad.scn.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "bad.scn.yaml:4:5: error: unknown key 'conect' in client" in output
    assert "greeting.yaml" not in output
