"""The sockscen command's orphan sweep kills only what provably belonged to an ended program.

A server whose real worker is double-forked and scrubs its environment is
the case that matters: once the worker is adopted by the runner (a child
subreaper), nothing but ancestry in time tells whose it is.  The check runs
in a fresh interpreter, because adopting orphans changes the process for good.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.process.proctools import REPO

LAUNCHER = """
import os, select, sys, time
read_end, write_end = os.pipe()
if os.fork() == 0:
    os.setsid()
    middle = os.getpid()
    if os.fork():
        os._exit(0)
    # Readable once the middle process has exited, which is after this one was re-parented
    # (to the runner, a child subreaper): the worker is an adopted orphan from here on.
    select.select([os.pidfd_open(middle)], [], [], 10)
    os.set_inheritable(write_end, True)
    # The real server: double-forked, with nothing left of the inherited environment;
    # it says so once it runs, so the test never sees it before its exec.
    announce = (
        f"import os, time; open({sys.argv[1]!r}, 'w').write(str(os.getpid())); "
        f"os.write({write_end}, b'x'); time.sleep(60)"
    )
    os.execve(sys.executable, [sys.executable, "-c", announce], {})
os.read(read_end, 1)
print("ready", flush=True)
time.sleep(60)
"""

DRIVER = """
import json, os, select, signal, sys
import trio
from sockscen.model import Ready
from sockscen.processes import adopt_orphans, run_client, start_server
from tests.process.proctools import PYTHON, client, command, context, is_running, server

launcher, pidfile, folder = sys.argv[1:4]


async def main() -> dict[str, object]:
    ctx = context(folder)
    async with trio.open_nursery() as nursery:
        spec = server(command(PYTHON, launcher, pidfile), Ready("stdout", 10.0, pattern="ready"))
        app = await start_server(spec, nursery, ctx, [])
        worker = int(open(pidfile).read())
        exited = os.pidfd_open(worker)
        quick = await run_client(client(command(PYTHON, "-c", "pass")), None, ctx)
        alive_after_client = is_running(worker)
        killed_by_client = [e.note for e in quick.transcript if "left the group" in e.note]
        await app.stop()
        # Readable once the worker has died: a bounded wait on the event, not a guess.
        gone_after_server = bool(select.select([exited], [], [], 10)[0])
        if not gone_after_server:
            os.kill(worker, signal.SIGKILL)
    return {
        "adopting": adopting,
        "client": quick.outcome.value,
        "alive_after_client": alive_after_client,
        "killed_by_client": killed_by_client,
        "gone_after_server": gone_after_server,
    }


adopting = adopt_orphans()
print(json.dumps(trio.run(main)))
"""


def test_a_program_ending_spares_a_running_servers_scrubbed_worker(tmp_path: Path) -> None:
    """A short client's exit leaves the server's worker alone; stopping the server kills it."""
    launcher = tmp_path / "launcher.py"
    launcher.write_text(LAUNCHER)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    done = subprocess.run(
        [sys.executable, str(driver), str(launcher), str(tmp_path / "worker.pid"), str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": f"{REPO / 'runner'}{os.pathsep}{REPO}"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "adopting": True,
        "client": "passed",
        "alive_after_client": True,
        "killed_by_client": [],
        "gone_after_server": True,
    }
