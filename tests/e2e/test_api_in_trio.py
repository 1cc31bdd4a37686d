"""The library API from inside a running trio program: a clear refusal, and the thread way."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

import sockscen

ECHO = """\
name: echo
servers:
  e:
    listen: tcp://127.0.0.1:0
    handle: [{expect: "hi"}, {send: "ho"}]
clients:
  c:
    connect: ${e.url}
    steps: [{send: "hi"}, {expect: "ho"}]
"""


def test_run_file_inside_trio_says_to_use_a_thread(tmp_path: Path) -> None:
    (tmp_path / "echo.yaml").write_text(ECHO)

    async def main() -> sockscen.RunResult:
        with pytest.raises(RuntimeError, match="trio runs cannot nest") as caught:
            sockscen.run_file(tmp_path / "echo.yaml")
        assert "trio.to_thread.run_sync(sockscen.run_file, path)" in str(caught.value)
        return await trio.to_thread.run_sync(sockscen.run_file, tmp_path / "echo.yaml")

    assert trio.run(main).ok
