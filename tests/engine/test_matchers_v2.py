"""The v2 matcher forms over real loopback sockets: lengths from the data, hex patterns,
until regex, all and not, and the time limit on user regexes."""

from __future__ import annotations

from sockscen.results import Outcome

from .conftest import RunYaml, assert_passed, explain


def test_http_bodies_by_content_length_with_headers_checked_by_all(run_yaml: RunYaml) -> None:
    """Two keep-alive responses, each body read by the Content-Length its headers gave."""
    result = run_yaml(
        r"""
        name: keep-alive
        servers:
          web:
            listen: tcp://127.0.0.1:0
            handle:
              - repeat:
                  count: 2
                  steps:
                    - expect: {until: "\r\n\r\n", regex: "GET /(?P<page>\\w+) HTTP/1.1\r\n.*"}
                    - send: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    - send: "Content-Length: 13\r\nServer: t\r\n\r\n"
                    - send: '{"page":"${page}"}'
        clients:
          browser:
            connect: ${web.url}
            steps:
              - send: "GET /ab HTTP/1.1\r\nHost: x\r\n\r\n"
              - expect:
                  until: "\r\n\r\n"
                  all:
                    - {regex: "HTTP/1.1 200 OK\r\n(?s:.*)"}
                    - {regex: "(?s).*Content-Length: (?P<n>\\d+).*"}
                    - {contains: "Content-Type: application/json"}
                    - {not: {contains: "chunked"}}
              - expect: {length: "${n}", json: {page: ab}}
              - send: "GET /cd HTTP/1.1\r\nHost: x\r\n\r\n"
              - expect: {until: "\r\n\r\n", regex: "(?s).*Content-Length: (?P<n>\\d+).*"}
              - expect: {length: "${n}", text: '{"page":"cd"}'}
        """
    )
    assert_passed(result)


def test_smtp_multiline_reply_until_regex_in_small_pieces(run_yaml: RunYaml) -> None:
    """A 250- ... 250 reply written 3 bytes at a time is one frame, then the next reply."""
    result = run_yaml(
        r"""
        name: smtp
        servers:
          mta:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "220 mx ready\r\n"
              - expect: "EHLO me\r\n"
              - send: "250-mx.example\r\n250-SIZE 1000\r\n250 HELP\r\n354 go on\r\n"
                chunk: 3
        clients:
          sender:
            connect: ${mta.url}
            steps:
              - expect: {until: {regex: "\r\n"}, regex: "220 .*\r\n"}
              - send: "EHLO me\r\n"
              - expect:
                  until: {regex: "(?m)^250 [^\r\n]*\r\n"}
                  all: [{contains: "SIZE 1000"}, {regex: "250-(?P<host>[a-z.]+)\r\n(?s:.*)"}]
              - expect: ["354 ", {regex: "go on"}, "\r\n"]
              - expect_eof
        """
    )
    assert_passed(result)


def test_binary_protocol_with_hex_patterns_and_a_capture_reused(run_yaml: RunYaml) -> None:
    """The client captures an 8-byte token with (cas:8) and sends it back in a hex payload."""
    result = run_yaml(
        r"""
        name: binary
        servers:
          store:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: {hex: "80 01 00*2 ??*4"}
              - send: {hex: "81 01 00 00 01 02 03 04 de ad be ef 00 00 00 2a 00*4"}
              - expect: {hex: "80 02 de ad be ef 00 00 00 2a"}
              - send: {hex: "81 02 00*2"}
        clients:
          app:
            connect: ${store.url}
            steps:
              - send: {hex: "80 01 00*2 12 34 56 78"}
              - expect: {hex: "81 01 ?? ?? (opaque:4) (cas:8) 00*4"}
              - send: {hex: "80 02 ${cas}"}
              - expect: [{hex: "81 02"}, {length: 2}]
        """
    )
    assert_passed(result)


def test_length_placeholder_that_is_not_a_number_fails_the_step(run_yaml: RunYaml) -> None:
    result = run_yaml(
        r"""
        name: bad length
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "len=abc\n"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: {regex: "len=(?P<n>\\w+)\n"}
              - expect: {length: "${n}"}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    (failure,) = result.failures
    assert failure.step == "2"
    assert "length '${n}' expands to 'abc' (${n}), which is not a byte count" in failure.message


def test_catastrophic_regex_fails_the_step_instead_of_hanging(run_yaml: RunYaml) -> None:
    result = run_yaml(
        r"""
        name: explosive
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: {regex: "(a|aa)+$"}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    (failure,) = result.failures
    assert "regex gave up after" in failure.message


def test_hex_value_that_is_not_hex_fails_naming_it(run_yaml: RunYaml) -> None:
    result = run_yaml(
        r"""
        name: not hex
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "id=xyz\n"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: {regex: "id=(?P<id>\\w+)\n"}
              - send: {hex: "01 ${id}"}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    assert "${id} is 'xyz' inside hex" in result.failures[0].message


def test_all_not_and_length_on_datagrams_and_frames(run_yaml: RunYaml) -> None:
    """A datagram or a frame is already cut: all, not and length beside a form judge it."""
    result = run_yaml(
        r"""
        name: datagrams and lines
        servers:
          udp:
            listen: udp://127.0.0.1:0
            handle:
              - expect: {all: [{contains: "ping"}, {not: {contains: "pong"}}]}
              - send: {hex: "de ad 00*2 01"}
          lines:
            listen: tcp://127.0.0.1:0
            framing: line
            handle:
              - expect: {length: 5, regex: "(?P<w>h\\w+)"}
              - send: "${w} back"
        clients:
          u:
            connect: ${udp.url}
            steps:
              - send: "ping 1"
              - expect: {hex: "de ad ??*2 (last:1)"}
              - expect_silence: 50ms
          t:
            connect: ${lines.url}
            framing: line
            steps:
              - send: "hello"
              - expect: {length: 10, all: ["hello back", {not: "bye"}]}
        """
    )
    assert_passed(result)
