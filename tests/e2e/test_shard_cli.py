"""``sockscen run --shard K/N``: each CI job runs (and reads) only its part of the files."""

from __future__ import annotations

from pathlib import Path

from tests.scenario_texts import INVALID, echo

from .cli_support import sockscen


def passed(stdout: str) -> list[str]:
    return sorted(line.split("  ")[1] for line in stdout.splitlines() if line.startswith("PASS"))


def test_shards_split_the_files_and_read_only_their_own(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "a.yaml").write_text(echo("echo a"))
    (folder / "b.yaml").write_text(echo("echo b") + "---\n" + echo("echo b again"))
    (folder / "c.yaml").write_text(INVALID)

    first = sockscen("run", "--shard", "1/3", cwd=tmp_path)
    second = sockscen("run", "--shard", "2/3", cwd=tmp_path)
    third = sockscen("run", "--shard", "3/3", cwd=tmp_path)

    assert (first.returncode, passed(first.stdout)) == (0, ["echo a"]), first.stderr
    assert (second.returncode, passed(second.stdout)) == (0, ["echo b", "echo b again"])
    # The invalid file is the third job's to report; the others never read it.
    assert third.returncode == 2
    assert "scenarios/c.yaml:" in third.stderr
    assert "c.yaml" not in first.stderr + second.stderr


def test_a_shard_left_without_files_has_nothing_to_do_and_passes(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "a.yaml").write_text(echo("echo a"))

    result = sockscen("run", "--shard", "2/2", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stderr == "sockscen: shard 2/2: no file of the 1 found; nothing to do\n"


def test_a_malformed_shard_is_a_usage_error(tmp_path: Path) -> None:
    result = sockscen("run", "--shard", "3/2", cwd=tmp_path)

    assert result.returncode == 2
    assert "--shard: shard '3/2': K must be from 1 to N" in result.stderr
