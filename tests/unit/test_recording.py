"""`sockscen record`'s pure part: pairing requests with replies, and payloads as YAML."""

from __future__ import annotations

import yaml

from sockscen.framing import CRLF
from sockscen.recording import ConversationLog, RecordingInfo, payload_yaml, scenario_yaml

INFO = RecordingInfo("tcp://127.0.0.1:7000", "tcp://127.0.0.1:6379", True, 0.0)


def test_a_request_is_everything_sent_since_the_last_reply() -> None:
    log = ConversationLog(clock=0.0)
    for direction, data in [
        ("upstream", b"GET "),
        ("upstream", b"k\r\n"),
        ("downstream", b"$1\r\n"),
        ("downstream", b"v\r\n"),
        ("upstream", b"QUIT\r\n"),
    ]:
        log.data(1, direction, data)
    (conv,) = log.conversations.values()
    assert [(b"GET k\r\n", b"$1\r\nv\r\n"), (b"QUIT\r\n", b"")] == [
        (b"".join(e.request), b"".join(e.reply)) for e in conv.exchanges
    ]


def test_payloads_are_text_when_printable_utf8_else_hex() -> None:
    assert '"PING\\r\\n"' == payload_yaml(b"PING\r\n")
    assert '"café"' == payload_yaml("café".encode())
    assert '{hex: "00 ff"}' == payload_yaml(b"\x00\xff")
    assert '"$${HOME}"' == payload_yaml(b"${HOME}")
    assert '["+OK\\r\\n", "+OK\\r\\n"]' == payload_yaml(b"+OK\r\n+OK\r\n", CRLF)


def test_the_scenario_has_a_rule_per_request_and_a_client_per_connection() -> None:
    log = ConversationLog(clock=0.0)
    for n, reply in ((1, b"+PONG\r\n"), (2, b"-ERR\r\n")):
        log.data(n, "downstream", b"hello\r\n")
        log.data(n, "upstream", b"PING\r\n")
        log.data(n, "downstream", reply)
    text = scenario_yaml(list(log.conversations.values()), INFO)
    assert text.startswith("# Recorded by `sockscen record` on 1970-01-01T00:00:00Z")
    doc = yaml.safe_load(text)
    server = doc["servers"]["recorded"]
    assert [{"send": "hello\r\n"}] == server["handle"]
    assert [{"when": "PING\r\n", "replies": ["+PONG\r\n", "-ERR\r\n"]}] == server["rules"]
    assert "server" == server["state_scope"]
    assert [
        {"wait": "connection1-done"},
        {"expect": "hello\r\n"},
        {"send": "PING\r\n"},
        {"expect": "-ERR\r\n"},
        {"notify": "connection2-done"},
    ] == doc["clients"]["connection2"]["steps"]
