"""A setup error keeps the OS error behind it: the result carries it, ``-v`` shows it."""

from __future__ import annotations

import socket
from pathlib import Path

from sockscen.results import Outcome
from tests.conftest import RunYaml
from tests.scenario_texts import UNBINDABLE

from .cli_support import sockscen


def test_a_port_in_use_keeps_the_os_error_as_the_cause(run_yaml: RunYaml) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = run_yaml(
            f"""
            name: port taken
            servers:
              s:
                listen: tcp://127.0.0.1:{port}
                handle: [close]
            clients:
              c:
                connect: ${{s.url}}
                steps: [expect_eof]
            """
        )
    assert result.outcome is Outcome.ERROR
    assert result.error is not None
    assert "the address is already in use" in result.error
    assert result.error_cause == "OSError: [Errno 98] Address already in use"


def test_a_setup_error_shows_its_os_error_only_with_v(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "unbindable.yaml").write_text(UNBINDABLE, encoding="utf-8")

    plain = sockscen("run", cwd=tmp_path)
    verbose = sockscen("run", "-v", cwd=tmp_path)

    assert 1 == plain.returncode == verbose.returncode
    cause = "      cause: FileNotFoundError: [Errno 2] No such file or directory\n"
    assert cause not in plain.stdout
    assert cause in verbose.stdout
    assert "Traceback" not in verbose.stdout + verbose.stderr
