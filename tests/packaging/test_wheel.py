"""The wheel is complete: built (not editable) and installed into a fresh venv, it runs."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "runner", "schemas"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a wheel from a copy of the sources (the work tree stays clean)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(
                origin, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(origin, src / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(src),
        ],
        check=True,
        timeout=300,
    )
    (built,) = dist.glob("sockscen-*.whl")
    return built


def test_wheel_ships_the_schemas(wheel: Path) -> None:
    """schemas/*.json are inside the package in the wheel, identical to the repository's."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "sockscen/schemas/scenario.schema.json" in names
        shipped = json.loads(archive.read("sockscen/schemas/scenario.schema.json"))
    assert shipped == json.loads((REPO / "schemas" / "scenario.schema.json").read_text())


def test_installed_wheel_runs_schema_and_a_scenario(wheel: Path, tmp_path: Path) -> None:
    """In a fresh venv with only the wheel installed, `sockscen schema` and `sockscen run` work."""
    # Nothing of the source tree may leak in (PYTHONPATH=runner would make pip
    # think sockscen is already installed).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300, env=env)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
        env=env,
    )
    # The dependencies (trio, yaml, jsonschema) come from this test environment,
    # appended after the venv's own site-packages so sockscen itself is the wheel's.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    outer = [
        p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if os.path.isdir(p)
    ]
    Path(purelib, "outer-deps.pth").write_text("\n".join(outer) + "\n")
    sockscen = venv / "bin" / "sockscen"

    where = subprocess.run(
        [str(python), "-c", "import sockscen; print(sockscen.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    ).stdout
    assert where.startswith(str(venv)), where

    schema = subprocess.run(
        [str(sockscen), "schema"], capture_output=True, text=True, env=env, timeout=60
    )
    assert schema.returncode == 0, schema.stderr
    assert json.loads(schema.stdout)["$schema"].endswith("2020-12/schema")

    scenario = REPO / "scenarios" / "greeting.yaml"
    done = subprocess.run(
        [str(sockscen), "run", str(scenario)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
