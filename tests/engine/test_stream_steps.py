"""Every step kind over real TCP and Unix stream sockets, passing."""

from __future__ import annotations

import os
from pathlib import Path

from .conftest import RunYaml, assert_passed


def test_greeting_server_thanks_every_client(run_yaml: RunYaml) -> None:
    """A scripted server sends a greeting and closes; three client copies each see it and EOF."""
    result = run_yaml(
        """
        name: greeting
        servers:
          greeter:
            listen: tcp://127.0.0.1:0
            connections: 3
            handle:
              - send: "Thank you for connecting"
              - close
        clients:
          visitor:
            connect: ${greeter.url}
            count: 3
            steps:
              - expect: "Thank you for connecting"
              - expect_eof
        """
    )
    assert_passed(result)
    clients = [a for a in result.actors if a.role == "client"]
    assert sorted(a.actor for a in clients) == ["visitor[1]", "visitor[2]", "visitor[3]"]
    servers = [a for a in result.actors if a.role == "server"]
    assert len(servers) == 3


def test_ipv6_loopback(run_yaml: RunYaml) -> None:
    """tcp://[::1]:0 binds IPv6 loopback; ${NAME.host} and ${NAME.url} carry the brackets right."""
    result = run_yaml(
        """
        name: v6
        servers:
          s:
            listen: tcp://[::1]:0
            handle:
              - expect: "ping ${s.host}\\n"
              - send: "pong\\n"
        clients:
          c:
            connect: tcp://[${s.host}]:${s.port}
            steps:
              - send: "ping ::1\\n"
              - expect: "pong\\n"
        """
    )
    assert_passed(result)


def test_echo_with_line_framing_and_repeat_until_close(run_yaml: RunYaml) -> None:
    """An uncounted repeat serves until the client closes; captures feed the reply."""
    result = run_yaml(
        """
        name: echo
        servers:
          echo:
            listen: tcp://127.0.0.1:0
            framing: line
            handle:
              - repeat:
                  steps:
                    - expect: {regex: "(?P<line>.*)"}
                    - send: "${line}"
        clients:
          c:
            connect: ${echo.url}
            framing: line
            steps:
              - send: hello
              - expect: hello
              - send: world
              - expect: {regex: "w(?P<rest>.*)"}
              - send: "again ${rest}"
              - expect: again orld
        """
    )
    assert_passed(result)
    server = next(a for a in result.actors if a.role == "server")
    assert [s.label for s in server.steps][-1] == "1"


def test_chunked_send_is_reassembled(run_yaml: RunYaml) -> None:
    """chunk/gap deliver a message in pieces; an exact expect waits for all of it."""
    result = run_yaml(
        """
        name: chunks
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: "abcdefghijklmnopqrstuvwxyz"
              - send: ok
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: "abcdefghijklmnopqrstuvwxyz"
                chunk: 5
                gap: 20ms
              - expect: ok
        """
    )
    assert_passed(result)
    client = next(a for a in result.actors if a.role == "client")
    sent = [e for e in client.transcript if e.kind == "sent"]
    assert [e.size for e in sent] == [5, 5, 5, 5, 5, 1]
    assert sent[-1].time - sent[0].time >= 0.09


def test_shutdown_half_closes_and_keeps_reading(run_yaml: RunYaml) -> None:
    """After shutdown the server reads EOF, and can still answer."""
    result = run_yaml(
        """
        name: half-close
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: request
              - expect_eof
              - send: reply after eof
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: request
              - shutdown
              - expect: reply after eof
              - expect_eof
        """
    )
    assert_passed(result)


def test_expect_silence_and_sleep(run_yaml: RunYaml) -> None:
    """expect_silence passes when nothing arrives for its duration."""
    result = run_yaml(
        """
        name: silence
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - sleep: 150ms
              - send: late
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect_silence: 50ms
              - expect: late
        """
    )
    assert_passed(result)


def test_notify_and_wait_order_actors(run_yaml: RunYaml) -> None:
    """wait blocks until another actor notifies; the order shows in the transcripts."""
    result = run_yaml(
        """
        name: order
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: first
              - notify: got-first
              - expect: second
        clients:
          a:
            connect: ${s.url}
            steps:
              - send: first
              - wait: got-second-connection
              - send: second
          b:
            connect: ${s.url}
            steps:
              - wait: got-first
              - send: first
              - notify: got-second-connection
              - send: second
        """
    )
    assert_passed(result)
    b = next(a for a in result.actors if a.actor == "b")
    a = next(a for a in result.actors if a.actor == "a")
    a_second = [e.time for e in a.transcript if e.kind == "sent"][1]
    b_notify = next(e.time for e in b.transcript if e.kind == "notify")
    assert a_second >= b_notify


def test_unix_stream_relative_path_lives_in_private_dir(run_yaml: RunYaml) -> None:
    """unix:echo.sock is placed in the scenario's temp dir, which is gone afterwards."""
    result = run_yaml(
        """
        name: unix
        servers:
          s:
            listen: unix:echo.sock
            handle:
              - expect: {regex: "(?P<msg>.+)\\n"}
              - send: "${msg} from ${s.path}\\n"
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: "hi\\n"
              - expect: {regex: "hi from (?P<where>/.+/echo\\\\.sock)\\n"}
        """
    )
    assert_passed(result)
    client = next(a for a in result.actors if a.role == "client")
    received = b"".join(e.data for e in client.transcript if e.kind == "received").decode()
    socket_path = Path(received.split(" from ")[1].strip())
    assert len(str(socket_path)) < 100
    assert not socket_path.parent.exists(), "the scenario's temp dir must be removed"


def test_abstract_unix_socket(run_yaml: RunYaml) -> None:
    """unix:@name uses the Linux abstract namespace (no file at all)."""
    result = run_yaml(
        """
        name: abstract
        servers:
          s:
            listen: unix:@sockscen-test-abstract-PID
            handle:
              - send: hello
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: hello
        """.replace("PID", str(os.getpid()))
    )
    assert_passed(result)


def test_length_prefixed_binary_protocol(run_yaml: RunYaml) -> None:
    """A 2-byte big-endian length prefix frames every send and expect."""
    result = run_yaml(
        """
        name: binary
        servers:
          kv:
            listen: tcp://127.0.0.1:0
            framing: {length_prefix: {bytes: 2, byteorder: big}}
            handle:
              - expect: [{hex: "01"}, "key"]
              - send: [{hex: "00"}, {base64: "dmFsdWU="}]
        clients:
          c:
            connect: ${kv.url}
            framing: {length_prefix: {bytes: 2, byteorder: big}}
            steps:
              - send: [{hex: "01"}, "key"]
              - expect: {hex: "00 76 61 6c 75 65"}
        """
    )
    assert_passed(result)
    client = next(a for a in result.actors if a.role == "client")
    assert client.transcript[1].data == b"\x00\x04\x01key"


def test_until_with_regex_and_json_frames(run_yaml: RunYaml) -> None:
    """until cuts a frame on a raw stream; regex and json check it."""
    result = run_yaml(
        """
        name: http-ish
        servers:
          web:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: {until: "\\r\\n\\r\\n", regex: "GET / HTTP/1\\\\.1\\r\\nHost: .*"}
              - send: "HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n\\r\\n"
              - send: "{\\"ok\\": true, \\"n\\": 3}\\n"
              - close
        clients:
          c:
            connect: ${web.url}
            steps:
              - send: "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
              - expect: {regex: "HTTP/1\\\\.1 (?P<status>\\\\d{3}) OK\\r\\n"}
              - expect: {until: "\\r\\n\\r\\n", contains: "json"}
              - expect: {until: "\\n", json: {ok: true}}
              - expect_eof
        """
    )
    assert_passed(result)


def test_step_timeout_option_and_captured_variable(run_yaml: RunYaml) -> None:
    """A capture from one step is usable in the next; vars and env placeholders expand."""
    os.environ["SOCKSCEN_TEST_GREETING"] = "hey"
    result = run_yaml(
        """
        name: vars
        vars:
          who: world
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "token=abc123;"
              - expect: "${env.SOCKSCEN_TEST_GREETING} ${who} abc123"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: {regex: "token=(?P<token>\\\\w+);"}
              - send: "${env.SOCKSCEN_TEST_GREETING} ${who} ${token}"
        """,
        step_timeout=2.0,
    )
    assert_passed(result)
