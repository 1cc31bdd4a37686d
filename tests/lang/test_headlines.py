"""Headlines show a list payload as written; a stream regex that would match later says where."""

from __future__ import annotations

from sockscen.errors import Location
from sockscen.matchers import Exact, Regex, compile_pattern
from sockscen.payloads import bytes_payload, make_payload, text_payload
from sockscen.payloads.base import BytesPart
from sockscen.payloads.hexdigits import HexPart
from sockscen.placeholders import parse_template, static
from sockscen.reporting.failure import format_failure
from sockscen.results import Outcome
from sockscen.steps import describe_step
from sockscen.steps.expect import Expect
from sockscen.steps.send import Send
from sockscen.testing import MemoryConnection
from tests.engine.conftest import RunYaml
from tests.steps.test_step_kinds import failure_of, run_steps

HERE = Location("steps.yaml", 7, 9)


def test_a_list_payload_is_described_as_written() -> None:
    hexpart = BytesPart(bytes(range(48)), "hex")
    payload = make_payload((hexpart, *text_payload("get k\r\n").parts))
    assert describe_step(Expect("1", HERE, Exact(payload=payload))) == (
        'expect [{hex: 48 bytes}, "get k\\r\\n"]'
    )
    assert describe_step(Send("1", HERE, payload)) == 'send [{hex: 48 bytes}, "get k\\r\\n"]'
    late = make_payload((HexPart(parse_template("00 ${cas}")), *text_payload("x").parts))
    assert describe_step(Send("1", HERE, late)) == 'send [{hex: "00 ${cas}"}, "x"]'
    single = Exact(payload=bytes_payload(b"hi"))
    assert describe_step(Expect("1", HERE, single)) == 'expect "hi"'


def test_the_headline_of_a_large_list_shows_the_bytes_once(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: big list
        servers:
          s: {listen: "tcp://127.0.0.1:0", handle: [send: "nope", close]}
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect:
                  - {hex: "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"}
                  - "tail-of-the-list"
        """
    )
    assert result.outcome is Outcome.FAILED
    text = format_failure(result)
    (headline,) = [line for line in text.splitlines() if "step 1" in line]
    assert headline.endswith('expect [{hex: 16 bytes}, "tail-of-the-list"]')


def test_a_stream_regex_matching_later_says_where_and_how_to_search() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"220 hello\r\n250 OK\r\n")

    pattern = rb"250 (?P<what>\w+)\r\n"
    step = Expect(
        "1",
        HERE,
        Regex(pattern=static(pattern.decode()), compiled=compile_pattern(pattern.decode())),
        1.0,
    )
    failure = failure_of(run_steps((step,), peer))
    assert failure.message.startswith("timed out after ")
    assert failure.message.endswith(
        "waiting for the expected data; 19 unconsumed bytes arrived; "
        "the regex would match at offset 11 of the unread data, but on a stream it must match "
        "at the start: consume what comes first (start the regex with (?s).*?), or cut a frame "
        "with until: and search it with contains:"
    )
