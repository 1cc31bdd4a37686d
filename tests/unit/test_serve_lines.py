"""What ``sockscen serve`` says on standard error while it serves."""

from __future__ import annotations

import io

from sockscen.cli.serve import _LiveLine
from sockscen.errors import Location
from sockscen.results import Failure


def _failure(n: int) -> Failure:
    return Failure(
        actor=f"kv#{n}",
        role="server",
        message="a request matched no rule (and the server has no default)",
        location=Location("mock.yaml", 4, 3),
    )


def test_a_failed_connection_is_said_at_once() -> None:
    err = io.StringIO()
    _LiveLine(err).failed(_failure(1))
    assert err.getvalue() == (
        "kv#1 failed (mock.yaml:4:3): a request matched no rule (and the server has no "
        "default); still serving\n"
    )


def test_a_peer_failing_in_a_loop_does_not_flood_the_terminal() -> None:
    err = io.StringIO()
    line = _LiveLine(err)
    for n in range(1, 1001):
        line.failed(_failure(n))
    lines = err.getvalue().splitlines()
    assert len(lines) == _LiveLine.FAILURES_SHOWN + 1
    assert lines[-2].startswith(f"kv#{_LiveLine.FAILURES_SHOWN} failed")
    assert lines[-1] == (
        "(further failed connections are not shown here: the final report has them)"
    )
