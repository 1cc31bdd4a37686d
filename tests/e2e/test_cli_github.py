"""`--format github` in a GitHub Actions job: annotations for invalid files and failures,
read back the way the Actions runner parses workflow commands, and the job summary."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scenario_texts import WRONG_GREETING

from .cli_support import sockscen

Write = Callable[[str, str], Path]


def _unescape(text: str, *, prop: bool) -> str:
    # The runner's own unescaping: %25 last, so "%253A" stays "%3A".
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
    for escaped, plain in [*pairs, ("%25", "%")]:
        text = text.replace(escaped, plain)
    return text


def parse_commands(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """(command, properties, message) of every workflow command, as the runner reads them."""
    commands = []
    for line in stdout.splitlines():
        if not line.startswith("::"):
            continue
        head, sep, message = line[2:].partition("::")
        assert sep, line
        name, _, props = head.partition(" ")
        properties = {}
        for pair in filter(None, props.split(",")):
            key, eq, value = pair.partition("=")
            assert eq, pair
            properties[key] = _unescape(value, prop=True)
        commands.append((name, properties, _unescape(message, prop=False)))
    return commands


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A repository checkout whose scenarios live in a subfolder, where sockscen runs."""
    (tmp_path / "service" / "scenarios").mkdir(parents=True)
    return tmp_path


def _github_env(workspace: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(workspace / "summary.md"),
    }


def _broken(count: int) -> str:
    clients = "".join(f"  c{i}:\n    connect: {i}\n    steps: [expect_eof]\n" for i in range(count))
    return f"name: broken\nservers: {{}}\nclients:\n{clients}"


@pytest.mark.parametrize("command", ["validate", "run"])
def test_invalid_files_are_annotated_where_each_problem_is(workspace: Path, command: str) -> None:
    service = workspace / "service"
    (service / "scenarios" / "broken.yaml").write_text(_broken(3), encoding="utf-8")

    result = sockscen(command, cwd=service, env=_github_env(workspace))

    assert result.returncode == 2
    annotations = parse_commands(result.stdout)
    assert [(c, p["file"], p["line"], p["col"]) for c, p, _ in annotations] == [
        ("error", "service/scenarios/broken.yaml", str(5 + 3 * i), "14") for i in range(3)
    ]
    assert all(p["title"] == "invalid scenario file" for _, p, _ in annotations)
    assert annotations[0][2].startswith("expected an address such as tcp://")
    # The console report is unchanged (stderr), and the job summary lists every problem.
    assert "service" not in result.stderr
    assert "scenarios/broken.yaml:5:14: error:" in result.stderr
    summary = (workspace / "summary.md").read_text(encoding="utf-8")
    assert "invalid scenario files: 3 problems in 1 file" in summary
    assert summary.count("| scenarios/broken.yaml:") == 3


def test_validate_accepts_format_and_console_opts_out(workspace: Path) -> None:
    service = workspace / "service"
    (service / "scenarios" / "broken.yaml").write_text(_broken(1), encoding="utf-8")

    explicit = sockscen("validate", "--format", "github", cwd=service)
    console = sockscen("validate", "--format", "console", cwd=service, env=_github_env(workspace))

    assert explicit.returncode == console.returncode == 2
    assert [p["file"] for _, p, _ in parse_commands(explicit.stdout)] == ["scenarios/broken.yaml"]
    assert parse_commands(console.stdout) == []


def test_past_ten_problems_the_last_annotation_counts_the_rest(workspace: Path) -> None:
    service = workspace / "service"
    (service / "scenarios" / "broken.yaml").write_text(_broken(14), encoding="utf-8")

    result = sockscen("validate", cwd=service, env=_github_env(workspace))

    annotations = parse_commands(result.stdout)
    assert len(annotations) == 10
    assert all("file" in p for _, p, _ in annotations[:9])
    _, last, message = annotations[9]
    assert "file" not in last
    assert last["title"] == "sockscen: 5 more problems"
    assert "GitHub shows 10 annotations per step" in message
    summary = (workspace / "summary.md").read_text(encoding="utf-8")
    assert summary.count("| scenarios/broken.yaml:") == 14


def test_failures_past_ten_are_counted_and_summarised(workspace: Path) -> None:
    service = workspace / "service"
    text = "---\n".join(
        WRONG_GREETING.replace("name: greeting is", f"name: greeting {i} is") for i in range(12)
    )
    (service / "scenarios" / "wrong.yaml").write_text(text, encoding="utf-8")

    result = sockscen("run", "-q", cwd=service, env=_github_env(workspace))

    assert result.returncode == 1
    annotations = parse_commands(result.stdout)
    assert len(annotations) == 10
    assert annotations[0][1]["file"] == "service/scenarios/wrong.yaml"
    assert annotations[9][1]["title"] == "sockscen: 3 more failures"
    summary = (workspace / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("### :x: sockscen: 0 passed, 12 failed in ")
    assert summary.count("| FAILED | greeting ") == 12


def test_a_path_outside_the_workspace_is_left_as_given(tmp_path: Path, write: Write) -> None:
    scenario = write("elsewhere/wrong.yaml", WRONG_GREETING)
    workspace = tmp_path / "checkout"
    workspace.mkdir()

    result = sockscen("run", str(scenario), cwd=tmp_path, env=_github_env(workspace))

    ((_, props, _msg),) = parse_commands(result.stdout)
    # As the loader shows it (relative to the current directory), not climbing out with "..".
    assert props["file"] == scenario.relative_to(tmp_path).as_posix()


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def write_file(relative: str, text: str) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file
