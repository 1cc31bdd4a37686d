"""The distributions are complete: the wheel, installed into a fresh venv, runs; the sdist
and wheel carry the licence and pass ``twine check --strict`` (what PyPI would accept)."""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = [
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "LICENSE",
    "runner",
    "schemas",
]


def copy_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the distributions are built from (the work tree stays clean)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(
                origin, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(origin, src / name)
    return src


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a wheel from a copy of the sources."""
    src = copy_sources(tmp_path_factory)
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


def needed_tool(module: str) -> None:
    """Skip when a development tool (the ``dev`` extra) is missing; in CI, fail."""
    try:
        __import__(module)
    except ImportError:
        message = f"{module} is not installed: pip install '.[dev]'"
        if os.environ.get("SOCKSCEN_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and the wheel, built as a release would build them (``python -m build``)."""
    needed_tool("build")
    src = copy_sources(tmp_path_factory)
    dist = tmp_path_factory.mktemp("release")
    # No isolation: the build requirements are this environment's (no network needed).
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "-q", "--outdir", str(dist), str(src)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (sdist,) = dist.glob("sockscen-*.tar.gz")
    (built,) = dist.glob("sockscen-*.whl")
    return sdist, built


def test_distributions_pass_twine_check_strict(distributions: tuple[Path, Path]) -> None:
    """PyPI would accept both files, README rendering included."""
    needed_tool("twine")
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, distributions)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_distributions_carry_the_licence(distributions: tuple[Path, Path]) -> None:
    """The LICENSE file is in both, and the metadata names it with an SPDX expression."""
    sdist, built = distributions
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence
    with tarfile.open(sdist) as archive:
        root = sdist.name.removesuffix(".tar.gz")
        member = archive.extractfile(f"{root}/LICENSE")
        assert member is not None
        assert member.read().decode() == licence
    with zipfile.ZipFile(built) as archive:
        (info,) = {n.split("/")[0] for n in archive.namelist() if ".dist-info/" in n}
        assert archive.read(f"{info}/licenses/LICENSE").decode() == licence
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL") or [])
    assert urls["Source"] == "https://github.com/sockscen/sockscen"


def test_readme_links_work_on_pypi() -> None:
    """PyPI shows the README away from the repository: every link must be absolute."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)]+)\)", readme)
    assert targets
    assert [t for t in targets if not t.startswith(("https://", "#"))] == []
