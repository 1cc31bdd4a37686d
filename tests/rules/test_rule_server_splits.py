"""The rule server's own loop over memory connections: any split of a request stream, same replies.

Hypothesis cuts a pipelined stream of requests anywhere (mid-request,
mid-delimiter, several requests in one piece); the server must answer with
exactly the bytes it gives the stream sent in one piece.
"""

from __future__ import annotations

import itertools

import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from sockscen import model
from sockscen.engine.context import ScenarioContext
from sockscen.engine.options import DEFAULT_OPTIONS
from sockscen.engine.rule_server import RuleServerRun
from sockscen.loader import load_text
from sockscen.testing import memory_actor, memory_stream_pair

MOCK = """\
name: pipelined
mock: true
servers:
  fake:
    listen: tcp://127.0.0.1:0
    rules:
      - {when: "PING\\r\\n", reply: "+PONG\\r\\n"}
      - when: {regex: "GET (?P<key>\\\\w+)\\r\\n"}
        replies: ["=${key}\\r\\n", "again ${key}\\r\\n"]
      - {when: "PINGPONG\\r\\n", reply: "both\\r\\n"}
      - {when: {regex: "LOGIN (?P<user>\\\\w+)\\r\\n"}, goto: in, reply: "hi ${user}\\r\\n"}
      - {when: "WHO\\r\\n", state: in, reply: "${user}\\r\\n"}
      - {when: {length: 3}, reply: "three\\r\\n"}
    default: {reply: "?\\r\\n"}
"""

STREAM = b"PING\r\nGET abc\r\nWHO\r\nPINGPONG\r\nxyzLOGIN ann\r\nGET abc\r\nWHO\r\nGET q\r\nab"


def _server() -> model.RuleServer:
    (scenario,) = load_text(MOCK, "m.yaml", "/nonexistent", environ={})
    spec = scenario.servers[0]
    assert isinstance(spec, model.RuleServer)
    return spec


SPEC = _server()


async def _replies(chunks: list[bytes]) -> bytes:
    (scenario,) = load_text(MOCK, "m.yaml", "/nonexistent", environ={})
    context = ScenarioContext(scenario, DEFAULT_OPTIONS, trio.CapacityLimiter(1))
    server = RuleServerRun(SPEC, context)
    client_end, server_end = memory_stream_pair()
    actor = memory_actor(server_end, role="server", state=context.state)
    received = bytearray()

    async def client() -> None:
        for chunk in chunks:
            await client_end.send(chunk)
        await client_end.shutdown()

    async def read() -> None:
        while data := await client_end.receive():
            received.extend(data)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(client)
        nursery.start_soon(read)
        result = await actor.run((), before=lambda: server._serve(actor))
        assert result.failure is None, result.failure
        server_end.close()
    return bytes(received)


WHOLE = trio.run(_replies, [STREAM])


def test_the_whole_stream_gets_the_expected_replies() -> None:
    """WHO before LOGIN matches no state rule, so ``length: 3`` takes it (and the 3-byte
    pieces after it, up to xyz); a GET's replies go on in order; ``ab`` at EOF is default's."""
    assert WHOLE == (
        b"+PONG\r\n=abc\r\n" + b"three\r\n" * 6 + b"hi ann\r\nagain abc\r\nann\r\nagain q\r\n?\r\n"
    )


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(min_value=1, max_value=len(STREAM) - 1)))
def test_any_split_gets_the_same_replies(cuts: set[int]) -> None:
    points = [0, *sorted(cuts), len(STREAM)]
    chunks = [STREAM[a:b] for a, b in itertools.pairwise(points)]
    assert trio.run(_replies, chunks) == WHOLE
