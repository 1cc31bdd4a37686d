"""``sockscen`` keeps loaded files in .sockscen_cache/ unless told not to; output is the same."""

from __future__ import annotations

import re
from pathlib import Path

from .cli_support import sockscen

SCENARIO = """\
name: quoted
clients:
  c:
    command: [printf, 'a\\n']
"""


def _entries(folder: Path) -> list[Path]:
    entries = folder / ".sockscen_cache" / "v1"
    return list(entries.iterdir()) if entries.is_dir() else []


def test_a_second_run_reads_the_cache_and_says_the_same(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "q.yaml").write_text(SCENARIO)
    first = sockscen("run", cwd=tmp_path)
    assert len(_entries(tmp_path)) == 1
    second = sockscen("run", cwd=tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr
    assert "q.yaml:4:23: warning: this single-quoted string holds \\n" in second.stderr
    assert first.stderr == second.stderr
    # Times differ from run to run; nothing else does.
    assert re.sub(r"[\d.]+s\b", "T", first.stdout) == re.sub(r"[\d.]+s\b", "T", second.stdout)


def test_no_cache_writes_nothing_and_cache_clear_empties_it(tmp_path: Path) -> None:
    (tmp_path / "q.yaml").write_text(SCENARIO)
    done = sockscen("validate", "--no-cache", "q.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / ".sockscen_cache").exists()
    sockscen("list", "q.yaml", cwd=tmp_path)
    assert len(_entries(tmp_path)) == 1
    stale = tmp_path / ".sockscen_cache" / "v1" / "stale"
    stale.write_bytes(b"left by an older file")
    done = sockscen("validate", "--cache-clear", "q.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not stale.exists()
    assert len(_entries(tmp_path)) == 1


def test_the_cache_lives_beside_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "q.yaml").write_text(SCENARIO)
    done = sockscen("validate", "q.yaml", cwd=tmp_path / "sub")
    assert done.returncode == 0, done.stderr
    assert len(_entries(tmp_path)) == 1
    assert not (tmp_path / "sub" / ".sockscen_cache").exists()
