"""A server listening on every interface is said so at -v: it was silent."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli_support import sockscen

SCENARIO = """\
name: wide open
servers:
  app:
    listen: tcp://0.0.0.0:0
    handle:
      - send: "hi\\n"
  local:
    listen: tcp://127.0.0.1:0
    handle:
      - send: "hi\\n"
clients:
  c:
    connect: tcp://127.0.0.1:${app.port}
    steps:
      - expect: "hi\\n"
  d:
    connect: ${local.url}
    steps:
      - expect: "hi\\n"
"""


def test_listening_on_every_interface_is_said_at_v(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SCENARIO)
    verbose = sockscen("run", "-v", "s.yaml", cwd=tmp_path)
    assert verbose.returncode == 0, verbose.stdout + verbose.stderr
    notes = [line for line in verbose.stderr.splitlines() if "note:" in line]
    assert notes == [
        "s.yaml:4:13: note: server 'app' listens on every interface (0.0.0.0): other machines "
        "can reach it, not only this one; use 127.0.0.1 or [::1] unless that is the point"
    ]
    quiet = sockscen("run", "s.yaml", cwd=tmp_path)
    assert "note:" not in quiet.stderr
