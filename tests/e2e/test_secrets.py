"""``${secret.NAME}`` and credential-like ``${env.NAME}`` never appear in any output: ``***`` does.

One failing run exercises every output at once: the console (``-v``, which
shows transcripts), the transcript files, the JSON and JUnit reports and the
GitHub annotations.  The values reach them as sent bytes, received bytes, a
failure message, a program's output tail and a program's command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.e2e.cli_support import sockscen

SECRET = "hunter2-s3cr3t"
TOKEN = "tok-9f8e7d6c5b"

SCENARIO = f"""\
name: secrets stay secret
servers:
  app:
    listen: tcp://127.0.0.1:0
    handle:
      - expect: "login ${{secret.APP_PASS}}\\n"
      - send: "welcome, your token is ${{env.MY_TOKEN}}\\n"
clients:
  c:
    connect: ${{app.url}}
    steps:
      - send: "login ${{secret.APP_PASS}}\\n"
      - expect: "welcome ${{secret.APP_PASS}}\\n"
---
name: a program prints a secret
clients:
  prog:
    command:
      [{sys.executable}, -c, "import sys; print(sys.argv[1]); sys.exit(3)", "${{env.MY_TOKEN}}"]
"""


def test_every_output_masks_the_secrets(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SCENARIO)
    done = sockscen(
        "run",
        "-v",
        "--format",
        "github",
        "--json",
        "r.json",
        "--junit-xml",
        "r.xml",
        "--transcript-dir",
        "t",
        "s.yaml",
        cwd=tmp_path,
        env={"APP_PASS": SECRET, "MY_TOKEN": TOKEN},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    outputs = {
        "console": done.stdout + done.stderr,
        "json": (tmp_path / "r.json").read_text(),
        "junit": (tmp_path / "r.xml").read_text(),
        **{f"transcript {p.name}": p.read_text() for p in (tmp_path / "t").iterdir()},
    }
    assert "::error" in outputs["console"]  # the annotations are there
    for name, text in outputs.items():
        assert SECRET not in text, name
        assert TOKEN not in text, name
        assert "***" in text, name
    # The failure shows what was expected, masked, and the program's command line too.
    assert "welcome ***" in outputs["console"]
    assert "***" in outputs["junit"]
    assert '-> 10 bytes  "login ***\\n"' in outputs["console"]  # sizes follow the masking
    assert "stdout: ***" in outputs["console"] or "***\n" in outputs["console"]
    assert "'***'" in outputs["console"]  # the command line shown
