"""A regex that gives up (catastrophic backtracking) never decides a request or a check.

It used to read as "no match": a rule server skipped the rule and let a later
rule or ``default`` answer (so the answer hung on the machine's speed), and
``not`` accepted the frame, so the step passed whatever arrived.
"""

from __future__ import annotations

from sockscen.reporting.failure import format_failure
from sockscen.results import Outcome
from tests.engine.conftest import RunYaml

#: 48 a's and a c: (a|aa)+$ tries every way to split the a's before it gives up.
REQUEST = "a" * 48 + "c"


def test_a_rule_whose_regex_gave_up_fails_the_request_instead_of_falling_through(
    run_yaml: RunYaml,
) -> None:
    result = run_yaml(
        f"""
        name: gave up
        servers:
          s:
            listen: tcp://127.0.0.1:0
            framing: line
            rules:
              - when: {{regex: "(a|aa)+$"}}
                reply: "no"
              - when: {{any: true}}
                reply: "other"
            default: {{reply: "default"}}
        clients:
          c:
            connect: ${{s.url}}
            framing: line
            steps:
              - send: "{REQUEST}"
              - expect: "other"
        """
    )
    assert result.outcome is Outcome.FAILED
    text = format_failure(result)
    assert "rule 1 (" in text
    assert "scenario.yaml:8:9) could not decide on a request: its regex gave up" in text
    assert "rule 1: regex /(a|aa)+$/: regex gave up after 1s: the pattern backtracks" in text
    assert "rule 2" not in text  # never tried: the first rule holds the decision


def test_a_rule_whose_regex_gave_up_on_an_unframed_stream_fails_too(run_yaml: RunYaml) -> None:
    result = run_yaml(
        f"""
        name: gave up on a stream
        servers:
          s:
            listen: tcp://127.0.0.1:0
            rules:
              - when: {{regex: "(a|aa)+b"}}
                reply: "no"
            default: {{reply: "default"}}
        clients:
          c:
            connect: ${{s.url}}
            steps:
              - send: "{REQUEST}"
              - expect: "default"
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "could not decide on a request: its regex gave up" in format_failure(result)


def test_not_of_a_regex_that_gave_up_fails_the_step(run_yaml: RunYaml) -> None:
    result = run_yaml(
        f"""
        name: not gave up
        servers:
          s:
            listen: tcp://127.0.0.1:0
            framing: line
            handle:
              - send: "{REQUEST}"
        clients:
          c:
            connect: ${{s.url}}
            framing: line
            steps:
              - expect: {{not: {{regex: "(a|aa)+"}}}}
        """
    )
    assert result.outcome is Outcome.FAILED
    text = format_failure(result)
    assert "client c, step 1 (" in text
    assert "expect not (regex /(a|aa)+/)\n  regex gave up after 1s: the pattern backtracks" in text
