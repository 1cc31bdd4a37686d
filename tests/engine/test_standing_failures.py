"""Standing servers outlive a failed connection: one bad peer does not take them down.

``sockscen serve`` and ``sockscen_servers`` keep their servers up for other
programs; a peer that resets mid-request or sends what no rule matches fails
its own connection only.  The failures are reported at the end, and only
the first ``KEEP_CONNECTION_FAILURES`` are kept (a hostile peer opening
connection after connection cannot grow the report without bound).
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import pytest
import trio

from sockscen.engine import context as engine_context
from sockscen.engine import scripted_server, senders
from sockscen.engine.scenario import ScenarioRun
from sockscen.engine.standing import addresses, serve_scenario
from sockscen.results import Failure, Outcome, ScenarioResult
from tests.conftest import load_scenarios

MOCK = """\
name: kv mock
mock: true
servers:
  kv:
    listen: tcp://127.0.0.1:0
    framing: line
    rules:
      - {when: PING, reply: PONG}
"""

SCRIPTED = """\
name: greeter mock
mock: true
servers:
  greeter:
    listen: tcp://127.0.0.1:0
    handle:
      - expect: "hello\\n"
      - send: "welcome\\n"
"""

LIMIT = 10.0


async def _reset_mid_request(port: int) -> None:
    sock = trio.socket.socket()
    with sock:
        await sock.connect(("127.0.0.1", port))
        await sock.send(b"PIN")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


async def _ask(port: int, request: bytes) -> bytes:
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(request)
        await stream.send_eof()
        data = b""
        while chunk := await stream.receive_some():
            data += chunk
        return data


def _serve(
    tmp_path: Path, text: str, resets: int, request: bytes
) -> tuple[ScenarioResult, list[Failure], bytes]:
    scenario = load_scenarios(text, tmp_path)[0]
    seen: list[Failure] = []
    answer: list[bytes] = []

    async def main() -> ScenarioResult:
        stop, up, all_seen = trio.Event(), trio.Event(), trio.Event()
        port: list[int] = []

        def ready(run: ScenarioRun) -> None:
            (where,) = addresses(run).values()
            port.append(int(where["port"]))
            up.set()

        def failed(failure: Failure) -> None:
            seen.append(failure)
            if len(seen) == resets:
                all_seen.set()

        async def peers() -> None:
            await up.wait()
            for _ in range(resets):
                await _reset_mid_request(port[0])
            await all_seen.wait()
            answer.append(await _ask(port[0], request))
            stop.set()

        with trio.fail_after(LIMIT):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(peers)
                return await serve_scenario(scenario, stop.wait, ready=ready, failed=failed)

    result = trio.run(main)
    return result, seen, answer[0]


def test_a_peer_that_resets_mid_request_fails_only_its_connection(tmp_path: Path) -> None:
    result, seen, answer = _serve(tmp_path, MOCK, 2, b"PING\n")
    assert answer == b"PONG\n"  # served after the two bad peers
    assert [f.actor for f in seen] == ["kv#1", "kv#2"]
    assert result.outcome is Outcome.FAILED
    assert [f.actor for f in result.failures] == ["kv#1", "kv#2"]
    assert "reset by the peer" in result.failures[0].message


def test_a_scripted_server_keeps_serving_too(tmp_path: Path) -> None:
    result, _seen, answer = _serve(tmp_path, SCRIPTED, 1, b"hello\n")
    assert answer == b"welcome\n"
    assert [f.actor for f in result.failures] == ["greeter#1"]


def test_only_the_first_failures_are_kept_the_rest_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_context, "KEEP_CONNECTION_FAILURES", 2)
    result, seen, answer = _serve(tmp_path, MOCK, 5, b"PING\n")
    assert answer == b"PONG\n"
    assert len(seen) == 5  # each one announced as it happened
    assert [f.actor for f in result.failures] == ["kv#1", "kv#2", "servers"]
    assert result.failures[-1].message == (
        "3 more connections failed; only the first 2 are kept for this report"
    )
    kept = [a.actor for a in result.actors if a.failure is not None]
    assert kept == ["kv#1", "kv#2"]


def test_a_standing_scripted_server_forgets_old_passed_connections_but_counts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scripted_server, "KEEP_PASSED", 3)
    text = SCRIPTED.replace("    handle:", "    connections: 7\n    handle:")
    scenario = load_scenarios(text, tmp_path)[0]

    async def main() -> ScenarioResult:
        stop, up = trio.Event(), trio.Event()
        port: list[int] = []

        def ready(run: ScenarioRun) -> None:
            (where,) = addresses(run).values()
            port.append(int(where["port"]))
            up.set()

        async def peers() -> None:
            await up.wait()
            for _ in range(7):
                assert await _ask(port[0], b"hello\n") == b"welcome\n"
            stop.set()

        with trio.fail_after(LIMIT):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(peers)
                return await serve_scenario(scenario, stop.wait, ready=ready)

    result = trio.run(main)
    assert result.outcome is Outcome.PASSED, result.failures  # connections: 7 held
    assert [a.actor for a in result.actors] == ["greeter#5", "greeter#6", "greeter#7"]


UDP_MOCK = """\
name: udp mock
mock: true
servers:
  dns:
    listen: udp://127.0.0.1:0
    rules:
      - {when: PING, reply: PONG}
"""


def test_a_datagram_sender_whose_request_failed_is_served_again(tmp_path: Path) -> None:
    """Its next datagram gets a new handler, as a new connection would."""
    scenario = load_scenarios(UDP_MOCK, tmp_path)[0]
    seen: list[Failure] = []

    async def main() -> tuple[ScenarioResult, bytes]:
        stop, up, failed = trio.Event(), trio.Event(), trio.Event()
        port: list[int] = []
        answer: list[bytes] = []

        def ready(run: ScenarioRun) -> None:
            (where,) = addresses(run).values()
            port.append(int(where["port"]))
            up.set()

        def note(failure: Failure) -> None:
            seen.append(failure)
            failed.set()

        async def sender() -> None:
            await up.wait()
            with trio.socket.socket(type=socket.SOCK_DGRAM) as sock:
                await sock.connect(("127.0.0.1", port[0]))
                await sock.send(b"BAD")
                await failed.wait()
                await sock.send(b"PING")
                answer.append(await sock.recv(100))
            stop.set()

        with trio.fail_after(LIMIT):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(sender)
                result = await serve_scenario(scenario, stop.wait, ready=ready, failed=note)
        return result, answer[0]

    result, answer = trio.run(main)
    assert answer == b"PONG"
    assert [f.actor for f in result.failures] == ["dns#1"]
    assert result.failures[0].message == "a request matched no rule (and the server has no default)"
    assert [a.actor for a in result.actors] == ["dns#1", "dns#2"]


def test_a_standing_datagram_server_answers_more_senders_than_it_keeps_handlers_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DNS-like client asks from a new port each time: the mock must not stop answering.

    Idle senders' handlers are let go when the cap is reached (a run keeps refusing past it).
    """
    monkeypatch.setattr(senders, "MAX_SENDERS", 3)
    scenario = load_scenarios(UDP_MOCK, tmp_path)[0]

    async def main() -> tuple[ScenarioResult, list[bytes]]:
        stop, up = trio.Event(), trio.Event()
        port: list[int] = []
        answers: list[bytes] = []

        def ready(run: ScenarioRun) -> None:
            (where,) = addresses(run).values()
            port.append(int(where["port"]))
            up.set()

        async def senders() -> None:
            await up.wait()
            for _ in range(8):  # each from a port of its own
                with trio.socket.socket(type=socket.SOCK_DGRAM) as sock:
                    await sock.connect(("127.0.0.1", port[0]))
                    await sock.send(b"PING")
                    answers.append(await sock.recv(100))
            stop.set()

        with trio.fail_after(LIMIT):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(senders)
                result = await serve_scenario(scenario, stop.wait, ready=ready)
        return result, answers

    result, answers = trio.run(main)
    assert answers == [b"PONG"] * 8
    assert result.outcome is Outcome.PASSED, result.failures
