"""The library face: a light ``import sockscen``, and ``run_*``/``load`` as documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import sockscen
from sockscen.selection import KeywordError
from tests.scenario_texts import GREETING, INVALID, WRONG_GREETING, echo

from .cli_support import cli_env


def test_import_sockscen_does_not_load_the_heavy_parts() -> None:
    program = (
        "import sys, sockscen, sockscen.pytest_plugin\n"
        "heavy = [m for m in ('trio', 'yaml', 'jsonschema', 'sockscen.engine', 'sockscen.loader')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "" == result.stdout.strip()


def test_public_names_resolve_lazily() -> None:
    from sockscen.engine import RunOptions
    from sockscen.errors import ConfigError
    from sockscen.results import Outcome, RunResult, ScenarioResult

    assert sockscen.RunOptions is RunOptions
    assert sockscen.ConfigError is ConfigError
    assert sockscen.Outcome is Outcome
    assert sockscen.RunResult is RunResult
    assert sockscen.ScenarioResult is ScenarioResult
    assert isinstance(sockscen.__version__, str)
    assert sockscen.__version__
    assert set(sockscen.__all__) <= set(dir(sockscen))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sockscen.nope  # type: ignore[attr-defined]


def test_run_file_and_run_paths(tmp_path: Path) -> None:
    (tmp_path / "greeting.yaml").write_text(GREETING, encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "wrong.yaml").write_text(WRONG_GREETING, encoding="utf-8")
    (tmp_path / "more" / "echo.yaml").write_text(echo("echo", tag="slow"), encoding="utf-8")

    one = sockscen.run_file(tmp_path / "greeting.yaml")
    assert one.ok
    assert ["greeting server thanks every client"] == [s.name for s in one.scenarios]

    everything = sockscen.run_paths(str(tmp_path))  # a lone string is one path
    assert not everything.ok
    assert (2, 1) == (everything.passed, everything.failed)

    tagged = sockscen.run_paths([tmp_path], tags=["slow"], jobs=1)
    assert ["echo"] == [s.name for s in tagged.scenarios]

    picked = sockscen.run_paths([tmp_path], keyword="wrong", step_timeout=0.5)
    [failed] = picked.scenarios
    assert failed.outcome is sockscen.Outcome.FAILED
    assert failed.failures[0].location is not None
    assert 13 == failed.failures[0].location.line


def test_nothing_selected_and_bad_input_raise(tmp_path: Path) -> None:
    (tmp_path / "greeting.yaml").write_text(GREETING, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(INVALID, encoding="utf-8")

    with pytest.raises(sockscen.NoScenarioError, match="keyword 'udp' matched none of the 1"):
        sockscen.run_file(tmp_path / "greeting.yaml", keyword="udp")
    with pytest.raises(KeywordError):
        sockscen.run_file(tmp_path / "greeting.yaml", keyword="udp and")
    with pytest.raises(sockscen.ConfigError) as excinfo:
        sockscen.run_paths([tmp_path])
    assert any(p.location is not None and p.location.line == 4 for p in excinfo.value.problems)
    (tmp_path / "empty").mkdir()
    with pytest.raises(sockscen.NoScenarioError, match="hold no scenario"):
        sockscen.run_paths([tmp_path / "empty"])


def test_load_and_run_text(tmp_path: Path) -> None:
    (tmp_path / "echo.yaml").write_text(echo("one") + "---\n" + echo("two"), encoding="utf-8")

    loaded = sockscen.load(tmp_path)
    assert ["one", "two"] == [s.name for s in loaded]

    result = sockscen.run_text(GREETING, path="inline.yaml", directory=tmp_path)
    assert result.ok
    assert "inline.yaml::greeting server thanks every client" == result.scenarios[0].id


@pytest.mark.parametrize(
    ("keywords", "named"),
    [
        ({"jobs": -1}, "jobs must be a whole number"),
        ({"step_timeout": 0}, "step_timeout must be a positive number"),
        ({"step_timeout": True}, "step_timeout must be a positive number"),
        ({"max_buffer": 0}, "max_buffer must be a positive number"),
        ({"maxfail": -1}, "maxfail must be 0 (no limit) or more"),
        ({"seed": -5}, "seed must be a whole number from 0 to 2**64 - 1"),
    ],
)
def test_a_wrong_option_value_is_named_before_anything_runs(
    tmp_path: Path, keywords: dict[str, object], named: str
) -> None:
    """``jobs=-1`` used to fail deep inside trio ('total_tokens must be >= 0')."""
    scenario = tmp_path / "greeting.yaml"
    scenario.write_text(GREETING)
    with pytest.raises(ValueError, match="^RunOptions: " + re.escape(named)):
        sockscen.run_file(scenario, **keywords)  # type: ignore[arg-type]


def test_tags_given_as_one_string_are_refused_not_read_letter_by_letter(tmp_path: Path) -> None:
    """``tags="tcp"`` selected the tags 't', 'c' and 'p': "matched none", or the wrong ones."""
    scenario = tmp_path / "greeting.yaml"
    scenario.write_text(GREETING)
    with pytest.raises(
        ValueError, match=re.escape("tags must be a list of tag expressions (['tcp'])")
    ):
        sockscen.run_file(scenario, tags="tcp")
    assert sockscen.run_file(scenario, tags=["tcp"]).ok


def test_a_seed_given_to_the_library_is_the_runs_seed(tmp_path: Path) -> None:
    scenario = tmp_path / "greeting.yaml"
    scenario.write_text(GREETING)
    result = sockscen.run_file(scenario, seed=1234)
    assert result.options["seed"] == 1234  # as the JSON report writes it
