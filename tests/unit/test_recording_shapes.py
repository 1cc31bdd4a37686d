"""`sockscen record`'s pure part on awkward conversations: each file written must load and pass.

Found by hand: a server that only greets made `rules:` empty (the file did not
load), a greeting that differs per connection (a time, a session id) made the
replay wait for a greeting nobody sends, and a large message made a file over
the 16 MiB a scenario may have.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from sockscen.recording import (
    CONVERSATION_COST,
    INLINE_LIMIT,
    READ_COST,
    ConversationLog,
    PayloadFiles,
    RecordingInfo,
    scenario_yaml,
)
from sockscen.results import Outcome
from tests.conftest import run_text

INFO = RecordingInfo("tcp://127.0.0.1:7000", "tcp://127.0.0.1:25", True, 0.0)


def _log(*events: tuple[int, str, bytes]) -> ConversationLog:
    log = ConversationLog(clock=0.0)
    for n, direction, data in events:
        log.data(n, direction, data)
    return log


def _run(text: str, tmp_path: Path) -> None:
    (tmp_path / "recorded.yaml").write_text(text)
    result = run_text(text, tmp_path, "recorded.yaml", step_timeout=2.0)
    assert Outcome.PASSED is result.outcome, [f.message for f in result.failures] or result.error


def test_a_server_that_only_greets_makes_a_scripted_server_that_loads_and_passes(
    tmp_path: Path,
) -> None:
    log = _log((1, "downstream", b"220 ready\r\n"))
    text = scenario_yaml(list(log.conversations.values()), INFO)
    server = yaml.safe_load(text)["servers"]["recorded"]
    assert [{"send": "220 ready\r\n"}] == server["handle"]
    assert "rules" not in server
    _run(text, tmp_path)


def test_greetings_that_differ_per_connection_are_taken_as_they_come(tmp_path: Path) -> None:
    log = _log(
        (1, "downstream", b"220 session 1\r\n"),
        (1, "upstream", b"QUIT\r\n"),
        (1, "downstream", b"221 bye\r\n"),
        (2, "downstream", b"220 session 2\r\n"),
        (2, "upstream", b"QUIT\r\n"),
        (2, "downstream", b"221 bye\r\n"),
    )
    text = scenario_yaml(sorted(log.conversations.values(), key=lambda c: c.index), INFO)
    doc = yaml.safe_load(text)
    assert [{"send": "220 session 1\r\n"}] == doc["servers"]["recorded"]["handle"]
    assert [
        {"wait": "connection1-done"},
        {"expect": {"any": True}},
        {"send": "QUIT\r\n"},
        {"expect": "221 bye\r\n"},
        {"notify": "connection2-done"},
    ] == doc["clients"]["connection2"]["steps"]
    _run(text, tmp_path)


def test_a_large_payload_goes_to_a_file_shared_by_the_rule_and_the_client(
    tmp_path: Path,
) -> None:
    big = bytes(range(256)) * (INLINE_LIMIT // 256 + 1)
    log = _log((1, "upstream", big), (1, "downstream", b"+OK\r\n"))
    files = PayloadFiles("recorded.data")
    text = scenario_yaml(list(log.conversations.values()), INFO, files=files)
    doc = yaml.safe_load(text)
    assert {"file": "recorded.data/0001.bin"} == doc["servers"]["recorded"]["rules"][0]["when"]
    assert {"send": {"file": "recorded.data/0001.bin"}} == doc["clients"]["connection1"]["steps"][0]
    assert {big: "recorded.data/0001.bin"} == files.files
    (tmp_path / "recorded.data").mkdir()
    (tmp_path / "recorded.data" / "0001.bin").write_bytes(big)
    _run(text, tmp_path)


def test_the_log_keeps_no_more_than_its_limit_and_says_it_is_full() -> None:
    first = CONVERSATION_COST + READ_COST + 8
    log = ConversationLog(clock=0.0, limit=first + READ_COST + 2)
    log.data(1, "upstream", b"12345678")
    assert not log.full
    log.data(1, "downstream", b"abc")  # would pass the limit: not kept
    log.data(1, "downstream", b"d")
    assert log.full
    (conv,) = log.conversations.values()
    assert [b"12345678"] == conv.exchanges[0].request
    assert [] == conv.exchanges[0].reply
    assert first == log.size


def test_a_flood_of_empty_datagrams_fills_the_log_too() -> None:
    # Counted by their bytes alone, empty datagrams were free: the log grew without bound.
    log = ConversationLog(clock=0.0, limit=1024 * 1024)
    for i in range(100_000):
        log.data(1 + i % 7, "upstream", b"")
        if log.full:
            break
    assert log.full
    assert log.size <= log.limit
    assert sum(len(e.request) for c in log.conversations.values() for e in c.exchanges) < 20_000


def test_a_stream_greeting_read_in_pieces_is_one_send() -> None:
    log = _log(*[(1, "downstream", b"tick\n")] * 3)
    text = scenario_yaml(list(log.conversations.values()), INFO)
    assert [{"send": "tick\ntick\ntick\n"}] == yaml.safe_load(text)["servers"]["recorded"]["handle"]


def test_a_client_that_half_closes_before_the_reply_shuts_down_in_the_replay() -> None:
    # A server that answers at the end of the request (`wc -c`) waited forever on the replay.
    log = _log((1, "upstream", b"hello world"))
    log.ended(1, "upstream")
    log.data(1, "downstream", b"11\n")
    log.ended(1, "downstream")
    text = scenario_yaml(list(log.conversations.values()), INFO)
    assert [
        {"send": "hello world"},
        "shutdown",
        {"expect": "11\n"},
        {"notify": "connection1-done"},
    ] == yaml.safe_load(text)["clients"]["connection1"]["steps"]


def test_a_client_that_closes_after_its_reply_needs_no_shutdown() -> None:
    log = _log((1, "upstream", b"PING\r\n"), (1, "downstream", b"+PONG\r\n"))
    log.ended(1, "upstream")
    text = scenario_yaml(list(log.conversations.values()), INFO)
    assert "shutdown" not in text
