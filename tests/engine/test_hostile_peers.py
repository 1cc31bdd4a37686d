"""Scripted actors against hostile peers: floods, huge frames, regexes that explode."""

from __future__ import annotations

from sockscen.results import Outcome
from tests.engine.conftest import RunYaml, explain


def test_a_repeated_group_on_a_huge_frame_fails_the_step_not_the_runner(
    run_yaml: RunYaml,
) -> None:
    # regex keeps every repetition of (x)+: on a 14 MiB line it raised MemoryError,
    # reported as "internal error in sockscen (this is a bug...)".
    result = run_yaml(
        """
        name: huge line against a capturing repeat
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: [{hex: "78*14680064"}, "\\n"]
              - expect_eof
        clients:
          c:
            connect: ${s.url}
            framing: line
            steps:
              - expect: {regex: "(x)+y"}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    assert result.error is None
    (failure,) = [f for f in result.failures if f.actor == "c"]
    assert failure.message.startswith("regex gave up: it ran out of memory on this input")
    assert "(?:x)+" in failure.message
