"""A placeholder's value repeated many times in one step: the step fails, nothing is made.

The vars a scenario defines are sized before it runs (``build.sizes``); a
value captured at run time is only known then, so a text written with it a
thousand times is measured when the step expands it, before it is joined.
"""

from __future__ import annotations

from sockscen.reporting.failure import format_failure
from sockscen.results import Outcome
from tests.engine.conftest import RunYaml


def test_a_capture_repeated_past_256_mib_fails_its_step_naming_the_bound(
    run_yaml: RunYaml,
) -> None:
    # 1 MiB captured as hex (2 MiB of digits), written 130 times: 272 MiB of text.
    sends = "${big}" * 130
    result = run_yaml(
        f"""
        name: capture bomb
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: {{hex: "(big:1048576)"}}
              - send: {{hex: "{sends}"}}
        clients:
          c:
            connect: ${{s.url}}
            steps:
              - send: {{hex: "00*1048576"}}
              - expect_eof
        """
    )
    assert result.outcome is Outcome.FAILED
    text = format_failure(result)
    assert "scripted server s#1, step 2 (" in text
    assert "scenario.yaml:8): send <payload>" in text
    assert "expands to 272629760 characters, more than the 268435456 (256 MiB) a value" in text
