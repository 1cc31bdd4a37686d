"""Report files (--junit-xml, --json, --transcript-dir) never write through a planted link.

Issue 12 item 4: a symlink planted by another user in a shared folder made
sockscen replace the link's target (a root-owned 0600 file became a 0644 report).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from sockscen.reporting import write_transcript_dir
from sockscen.reporting._files import write_atomic
from sockscen.reporting.json_report import write_json
from sockscen.reporting.junit import write_junit
from sockscen.results import RunResult

from .reporting_samples import full_run


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    victim.write_bytes(b"secret")
    victim.chmod(0o600)
    return victim


@pytest.mark.parametrize("writer", [write_junit, write_json])
def test_report_files_do_not_follow_a_final_symlink(
    tmp_path: Path, writer: Callable[[RunResult, Path], Path]
) -> None:
    victim = _victim(tmp_path)
    link = tmp_path / "report"
    link.symlink_to(victim)
    writer(full_run(), link)
    assert victim.read_bytes() == b"secret"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert not link.is_symlink()
    assert link.read_bytes().strip()


def test_transcripts_do_not_follow_a_planted_symlink(tmp_path: Path) -> None:
    run = full_run()
    first = write_transcript_dir(run, tmp_path / "t")[0]
    victim = _victim(tmp_path)
    first.unlink()
    first.symlink_to(victim)
    write_transcript_dir(run, tmp_path / "t")
    assert victim.read_bytes() == b"secret"
    assert not first.is_symlink()
    assert first.read_text(encoding="utf-8").strip()


def test_reports_get_the_users_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        written = write_atomic(tmp_path / "r.json", b"{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == 0o640


def test_a_file_of_another_user_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running as root in a shared folder must not take over another user's file either."""
    path = tmp_path / "r.xml"
    path.write_bytes(b"theirs")
    monkeypatch.setattr(os, "geteuid", lambda: path.stat().st_uid + 1)
    with pytest.raises(PermissionError, match="belongs to another user"):
        write_atomic(path, b"ours")
    assert path.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xml"]


def test_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    """``--json /dev/stdout`` (a symlink to a pipe) keeps working."""
    read_end, write_end = os.pipe()
    try:
        link = tmp_path / "out"
        link.symlink_to(f"/proc/self/fd/{write_end}")
        write_atomic(link, b"report")
        assert os.read(read_end, 100) == b"report"
        assert link.is_symlink()
    finally:
        os.close(read_end)
        os.close(write_end)
