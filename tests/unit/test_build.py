# ruff: noqa: E501  (a table of exact messages reads best one message per line)
"""build: the checks a schema cannot express, and the model built for every form of the language."""

from __future__ import annotations

import json
import re
import shlex
import signal
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sockscen import model
from sockscen.build.commands import split_words
from sockscen.errors import ConfigError
from sockscen.framing import CRLF, LINE, NONE, delimited, length_prefixed
from sockscen.loader import load_text
from sockscen.matchers import AnyData, Contains, Exact, JsonSubset, Length, Regex
from sockscen.payloads import BytesPart, FilePart, JsonPart, TextPart
from sockscen.placeholders import Ref, Template
from sockscen.steps.expect import Expect
from sockscen.steps.expect_eof import ExpectEof
from sockscen.steps.expect_silence import ExpectSilence
from sockscen.steps.notify import Notify
from sockscen.steps.repeat import Repeat
from sockscen.steps.send import Send
from sockscen.steps.sleep import Sleep
from sockscen.steps.wait import Wait

# (id, file text, every problem as printed); files are read from /nonexistent
SEMANTIC_CASES: list[tuple[str, str, list[str]]] = [
    (
        "unknown_server_in_placeholder",
        'name: x\nservers:\n  app: {listen: "tcp://127.0.0.1:0", handle: []}\nclients:\n  c: {connect: "tcp://127.0.0.1:${ap.port}", steps: []}\n',
        [
            "s.yaml:5:16: error: unknown server 'ap' in ${ap.port} (did you mean 'app'?)",
        ],
    ),
    (
        "unknown_listen_key",
        'name: x\nservers:\n  app: {command: [srv], listen: {web: "tcp://127.0.0.1:0", admin: "tcp://127.0.0.1:0"}}\nclients:\n  c: {connect: "${app.wbe.url}", steps: []}\n',
        [
            "s.yaml:5:16: error: ${app.wbe.url}: server 'app' has no listen address named 'wbe' (did you mean 'web'?)",
        ],
    ),
    (
        "mapping_listen_needs_key",
        'name: x\nservers:\n  app: {command: [srv], listen: {web: "tcp://127.0.0.1:0", admin: "tcp://127.0.0.1:0"}}\nclients:\n  c: {connect: "tcp://127.0.0.1:${app.port}", steps: []}\n',
        [
            "s.yaml:5:16: error: ${app.port}: server 'app' listens on several addresses (web, admin); name one, e.g. ${app.web.port}",
        ],
    ),
    (
        "single_listen_given_key",
        'name: x\nservers:\n  app: {listen: "tcp://127.0.0.1:0", handle: []}\nclients:\n  c: {connect: "${app.web.url}", steps: []}\n',
        [
            "s.yaml:5:16: error: ${app.web.url}: server 'app' has a single listen address; write ${app.url}",
        ],
    ),
    (
        "unknown_attribute",
        'name: x\nservers:\n  app: {listen: "tcp://127.0.0.1:0", handle: []}\nclients:\n  c: {connect: "tcp://127.0.0.1:${app.prot}", steps: []}\n',
        [
            "s.yaml:5:16: error: ${app.prot}: server 'app' has no attribute 'prot' (did you mean 'port'?)",
        ],
    ),
    (
        "attribute_not_of_scheme",
        'name: x\nservers:\n  app: {listen: "unix:app.sock", handle: []}\nclients:\n  c: {connect: "tcp://127.0.0.1:${app.port}", steps: []}\n',
        [
            "s.yaml:5:16: error: ${app.port}: server 'app' listens on unix:app.sock, which has no port (use ${app.path} or ${app.url})",
        ],
    ),
    (
        "unknown_variable",
        'name: x\nvars: {greeting: hello}\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: "${greting}"\n',
        [
            "s.yaml:7:15: error: unknown variable ${greting} (did you mean 'greeting'?)",
        ],
    ),
    (
        "variable_not_captured",
        'name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: "${id}"\n      - expect: {regex: "(?P<di>\\\\d+)"}\n',
        [
            "s.yaml:6:15: error: unknown variable ${id} (define it under vars: or capture it with a regex named group (?P<id>...))",
        ],
    ),
    (
        "env_not_set",
        'name: x\nvars: {home: "${env.SOCKSCEN_TEST_UNSET}"}\nclients: {c: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:2:14: error: environment variable SOCKSCEN_TEST_UNSET is not set (used as ${env.SOCKSCEN_TEST_UNSET}) (export it before running sockscen, e.g. export SOCKSCEN_TEST_UNSET=..., or use a vars: value)",
        ],
    ),
    (
        "malformed_placeholder",
        'name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: "${not closed"\n',
        [
            "s.yaml:6:15: error: malformed placeholder '${not closed': write ${name} or ${server.port}, or $${ for a literal ${",
        ],
    ),
    (
        "bad_regex",
        'name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect: {regex: "a(b"}\n',
        [
            "s.yaml:6:25: error: invalid regex: missing ), unterminated subpattern at position 1",
        ],
    ),
    (
        "bad_hex_char",
        'name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: {hex: "48 6g"}\n',
        [
            "s.yaml:6:21: error: not hex: 'g' (hex digit 4); use 0-9 and a-f, spaces are ignored",
        ],
    ),
    (
        "odd_hex",
        'name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: {hex: "48 6"}\n',
        [
            "s.yaml:6:21: error: hex digits come in pairs, but there are 3",
        ],
    ),
    (
        "bad_base64",
        'name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: {base64: "SGVsbG8"}\n',
        [
            "s.yaml:6:24: error: invalid base64: Incorrect padding",
        ],
    ),
    (
        "missing_file",
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: {file: data/nope.bin}\n",
        [
            "s.yaml:6:22: error: file 'data/nope.bin' not found (looked for /nonexistent/data/nope.bin) (paths are relative to the scenario file)",
        ],
    ),
    (
        "unknown_encoding",
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: {text: hi, encoding: latin-9}\n",
        [
            "s.yaml:6:36: error: unknown text encoding 'latin-9' (did you mean 'latin-1'?)",
        ],
    ),
    (
        "text_not_encodable",
        'name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: {text: "naïve", encoding: ascii}\n',
        [
            "s.yaml:6:22: error: the text cannot be written in ascii: 'ï' (position 2) does not exist in it",
        ],
    ),
    (
        "scheme_mismatch",
        'name: x\nservers:\n  srv: {listen: "tcp://127.0.0.1:0", handle: []}\nclients:\n  c: {connect: "udp://127.0.0.1:${srv.port}", steps: []}\n',
        [
            "s.yaml:5:16: error: client 'c' connects with udp but server 'srv' listens on tcp://127.0.0.1:0 (write connect: ${srv.url})",
        ],
    ),
    (
        "contains_on_unframed_stream",
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect: {contains: ok}\n",
        [
            "s.yaml:6:17: error: 'contains' checks one whole message, but client c reads an unframed byte stream (add until: or set framing:)",
        ],
    ),
    (
        "json_on_unframed_server",
        'name: x\nservers:\n  s:\n    listen: unix:s.sock\n    handle:\n      - expect: {json: {op: ping}}\nclients: {c: {connect: "${s.url}", steps: []}}\n',
        [
            "s.yaml:6:17: error: 'json' checks one whole message, but server s reads an unframed byte stream (add until: or set framing:)",
        ],
    ),
    (
        "until_with_framing",
        'name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    framing: line\n    steps:\n      - expect: {regex: "ok", until: "\\n"}\n',
        [
            "s.yaml:7:31: error: 'until' has no meaning here: client c has framing, so every expect reads one frame (remove until: or framing:)",
        ],
    ),
    (
        "duplicate_scenario_names",
        'name: same\nclients: {c: {connect: "tcp://127.0.0.1:7", steps: []}}\n---\nname: same\nclients: {c: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:4:7: error: duplicate scenario name 'same' (first used on line 1) (names identify scenarios in reports and with -k; make each one unique in its file)",
        ],
    ),
    (
        "datagram_only_process_server_needs_ready",
        'name: x\nservers:\n  dns: {command: [dns-server], listen: "udp://127.0.0.1:0"}\nclients: {c: {connect: "${dns.url}", steps: []}}\n',
        [
            "s.yaml:3:3: error: server 'dns' has only datagram addresses, so it cannot be probed by connecting (a datagram-only server needs ready: {stdout: REGEX}, {stderr: REGEX}, {delay: DURATION} or {path: PATH})",
        ],
    ),
    (
        "ready_connect_without_stream",
        'name: x\nservers:\n  dns: {command: [dns-server], listen: "udp://127.0.0.1:0", ready: {connect: true}}\nclients: {c: {connect: "${dns.url}", steps: []}}\n',
        [
            "s.yaml:3:69: error: ready: connect needs a stream address (tcp:// or unix:), and server 'dns' has none (use ready: {stdout: REGEX}, {stderr: REGEX}, {delay: DURATION} or {path: PATH})",
        ],
    ),
    (
        "listen_refers_to_server",
        'name: x\nservers:\n  a: {listen: "tcp://127.0.0.1:0", handle: []}\n  b: {listen: "tcp://127.0.0.1:${a.port}", handle: []}\nclients: {c: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:4:15: error: ${a.port}: a listen address can only use ${tmp}, ${env.NAME} and vars: placeholders, since it is needed before any server starts",
        ],
    ),
    (
        "listen_without_scheme",
        'name: x\nvars: {addr: "tcp://127.0.0.1:0"}\nservers:\n  a: {listen: "${addr}", handle: []}\nclients: {c: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:4:15: error: a listen address must start with its scheme (tcp://, udp://, unix: or unixgram:), got '${addr}'",
        ],
    ),
    (
        "shutdown_on_datagram",
        "name: x\nclients:\n  c:\n    connect: udp://127.0.0.1:53\n    steps:\n      - shutdown\n      - expect_eof: {timeout: 1s}\n      - {abort: null}\n",
        [
            "s.yaml:6:9: error: 'shutdown' has no meaning on a datagram socket (client c) (datagram sockets have no connection to end; remove the step)",
            "s.yaml:7:9: error: 'expect_eof' has no meaning on a datagram socket (client c) (datagram sockets have no connection to end; remove the step)",
            "s.yaml:8:9: error: 'abort' has no meaning on a datagram socket (client c) (datagram sockets have no connection to end; remove the step)",
        ],
    ),
    (
        "wait_without_notify",
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - wait: ready\n",
        [
            "s.yaml:6:15: error: no actor notifies 'ready', so this wait can only time out (add '- notify: ready' to the actor that should go first)",
        ],
    ),
    (
        "unknown_signal",
        'name: x\nservers:\n  s: {command: [srv], listen: "tcp://127.0.0.1:0", stop: {signal: SIGTREM}}\nclients: {c: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:3:67: error: unknown signal 'SIGTREM' (did you mean 'SIGTERM'?)",
        ],
    ),
    (
        "unsplittable_command",
        'name: x\nclients:\n  c: {command: "echo \'unterminated"}\n',
        [
            "s.yaml:3:16: error: cannot split the command into arguments: No closing quotation (check its quotes)",
        ],
    ),
    (
        "shell_with_list",
        "name: x\nclients:\n  c: {command: [echo, hi], shell: true}\n",
        [
            "s.yaml:3:16: error: with shell: true, write the command as one string (or drop shell: true)",
        ],
    ),
    (
        "bad_port",
        'name: x\nclients:\n  c: {connect: "tcp://127.0.0.1:70000", steps: []}\n',
        [
            "s.yaml:3:16: error: 'tcp://127.0.0.1:70000': the port must be a number from 0 to 65535",
        ],
    ),
    (
        "expect_eof_two_timeouts",
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect_eof: {timeout: 1s}\n        timeout: 2s\n",
        [
            "s.yaml:7:9: error: expect_eof has two timeouts; keep one",
        ],
    ),
    (
        "bad_ready_regex",
        'name: x\nservers:\n  s: {command: [srv], listen: "tcp://127.0.0.1:0", ready: {stdout: "[up"}}\nclients: {c: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:3:68: error: invalid regex: unterminated character set at position 0",
        ],
    ),
    (
        "var_with_attribute",
        'name: x\nvars: {host: example}\nclients:\n  c: {connect: "tcp://${host.name}:1", steps: []}\n',
        [
            "s.yaml:4:16: error: ${host.name}: variable 'host' is text and has no attributes; write ${host}",
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in SEMANTIC_CASES], ids=[c[0] for c in SEMANTIC_CASES]
)
def test_semantic_problem(text: str, expected: list[str]) -> None:
    """Each file passes the schema but breaks a rule of meaning, reported exactly."""
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    assert expected == [str(p) for p in info.value.problems]


def build_one(text: str, directory: str = "/nonexistent", **environ: str) -> model.Scenario:
    (scenario,) = load_text(text, "s.yaml", directory, environ=environ)
    return scenario


def steps_of(
    text_steps: str, *, framing: str = "none", connect: str = "tcp://127.0.0.1:7"
) -> tuple[model.Step, ...]:
    text = f"name: x\nclients:\n  c:\n    connect: {connect}\n    framing: {framing}\n    steps:\n{text_steps}"
    client = build_one(text).clients[0]
    assert isinstance(client, model.SocketClient)
    return client.steps


def test_scenario_fields_and_defaults() -> None:
    """Top-level keys map to Scenario fields; absent ones take the documented defaults."""
    text = (
        "name: greeting\n"
        "description: says hello\n"
        "tags: [tcp, smoke]\n"
        "timeout: 1m\n"
        "vars: {greeting: hello, n: 3, flag: yes}\n"
        "clients: {c: {connect: 'tcp://127.0.0.1:7', steps: []}}\n"
    )
    s = build_one(text)
    assert (s.name, s.description, s.tags, s.timeout) == (
        "greeting",
        "says hello",
        ("tcp", "smoke"),
        60.0,
    )
    assert [(k, v.source) for k, v in s.vars] == [
        ("greeting", "hello"),
        ("n", "3"),
        ("flag", "true"),
    ]
    assert (s.path, s.directory, s.id) == ("s.yaml", "/nonexistent", "s.yaml::greeting")
    assert (s.location.line, s.location.col) == (1, 1)
    minimal = build_one("clients: {c: {connect: 'tcp://127.0.0.1:7', steps: []}}\nname: m\n")
    assert (minimal.timeout, minimal.tags, minimal.description, minimal.servers) == (
        30.0,
        (),
        "",
        (),
    )
    assert minimal.location.line == 2


def test_every_payload_form(tmp_path: Path) -> None:
    """Strings, {text, encoding}, {hex}, {base64}, {file}, {json} and lists become the right parts."""
    (tmp_path / "req.bin").write_bytes(b"\x00\x01")
    steps = (
        '      - send: "hi\\r\\n"\n'
        '      - send: {text: "é", encoding: latin-1}\n'
        '      - send: {hex: "48 65\\n6c 6C 6f"}\n'
        '      - send: {base64: "SGVs bG8="}\n'
        "      - send: {file: req.bin}\n"
        "      - send: {json: {a: [1, true, null], b: x}}\n"
        '      - send: [{hex: "12 34"}, "get k\\r\\n"]\n'
    )
    text = f"name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n{steps}"
    client = build_one(text, str(tmp_path)).clients[0]
    assert isinstance(client, model.SocketClient)
    sends = [s for s in client.steps if isinstance(s, Send)]
    assert [s.payload.static for s in sends] == [
        b"hi\r\n",
        b"\xe9",
        b"Hello",
        b"Hello",
        None,  # a file is read when sent, not held from validation on
        b'{"a":[1,true,null],"b":"x"}',
        b"\x12\x34get k\r\n",
    ]
    assert isinstance(sends[1].payload.parts[0], TextPart)
    assert sends[1].payload.parts[0].encoding == "latin-1"
    assert [type(p) for p in sends[6].payload.parts] == [BytesPart, TextPart]
    assert sends[4].payload.parts[0] == FilePart(str((tmp_path / "req.bin").resolve()), 2)
    assert sends[4].payload.render(lambda ref: "") == b"\x00\x01"


def test_payload_placeholders_stay_templates() -> None:
    """A payload with placeholders is not pre-rendered; JSON strings become Template leaves."""
    text = (
        "name: x\nvars: {greeting: hi}\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n"
        '      - send: "${greeting} $${literal}"\n'
        '      - send: {json: {msg: "${greeting}", n: 1}}\n'
    )
    client = build_one(text).clients[0]
    assert isinstance(client, model.SocketClient)
    first, second = client.steps
    assert isinstance(first, Send)
    assert isinstance(second, Send)
    assert first.payload.static is None
    assert first.payload.render(lambda ref: "hello") == b"hello ${literal}"
    part = second.payload.parts[0]
    assert isinstance(part, JsonPart)
    assert isinstance(part.value["msg"], Template)
    assert part.value["n"] == 1
    assert second.payload.render(lambda ref: "yo") == b'{"msg":"yo","n":1}'


def test_every_matcher_form(tmp_path: Path) -> None:
    """Each matcher form builds its class; until sits beside any of them."""
    (tmp_path / "resp.bin").write_bytes(b"OK")
    steps = (
        "      - expect: hello\n"
        '      - expect: [{hex: "00"}, x]\n'
        '      - expect: {text: "é", encoding: latin-1}\n'
        '      - expect: {hex: "4f4b"}\n'
        '      - expect: {base64: "T0s="}\n'
        "      - expect: {file: resp.bin}\n"
        '      - expect: {regex: "(?P<code>\\\\d+) OK"}\n'
        '      - expect: {until: "\\n"}\n'
        '      - expect: {regex: "\\\\d+", until: "\\r\\n"}\n'
        '      - expect: {text: abc, until: ";"}\n'
        "      - expect: {length: 4}\n"
        '      - expect: {contains: ok, until: "\\n"}\n'
        '      - expect: {json: {ok: true}, until: "\\n"}\n'
        "      - expect: {any: true}\n"
        '      - expect: {regex: "${code}"}\n'
    )
    text = f"name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n{steps}"
    client = build_one(text, str(tmp_path)).clients[0]
    assert isinstance(client, model.SocketClient)
    matchers = [s.matcher for s in client.steps if isinstance(s, Expect)]
    assert [type(m) for m in matchers] == [
        Exact,
        Exact,
        Exact,
        Exact,
        Exact,
        Exact,
        Regex,
        AnyData,
        Regex,
        Exact,
        Length,
        Contains,
        JsonSubset,
        AnyData,
        Regex,
    ]
    exact = [m for m in matchers if isinstance(m, Exact)]
    assert [m.payload.render(lambda ref: "") for m in exact] == [
        b"hello",
        b"\x00x",
        b"\xe9",
        b"OK",
        b"OK",
        b"OK",
        b"abc",
    ]
    assert [m.until.static if m.until else None for m in matchers] == [
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        b"\n",
        b"\r\n",
        b";",
        None,
        b"\n",
        b"\n",
        None,
        None,
    ]
    regex = matchers[6]
    assert isinstance(regex, Regex)
    assert regex.compiled is not None
    assert regex.compiled.pattern == rb"(?P<code>\d+) OK"
    templated = matchers[14]
    assert isinstance(templated, Regex)
    assert templated.compiled is None
    assert list(templated.pattern.refs) == [Ref(("code",))]
    length = matchers[10]
    assert isinstance(length, Length)
    assert length.length == 4
    json_matcher = matchers[12]
    assert isinstance(json_matcher, JsonSubset)
    assert json_matcher.value == {"ok": True}


def test_every_step_kind_and_labels() -> None:
    """Bare and mapping steps build their classes, labels count from 1, repeats nest as 3.1."""
    steps = steps_of(
        "      - send: a\n"
        "        chunk: 2\n"
        "        gap: 10ms\n"
        "      - expect: a\n"
        "        timeout: 2s\n"
        "      - repeat:\n"
        "          count: 2\n"
        "          steps:\n"
        "            - send: b\n"
        "            - repeat:\n"
        "                steps: [close]\n"
        "      - expect_eof\n"
        "      - expect_eof: {timeout: 1s}\n"
        "      - expect_eof:\n"
        "        timeout: 3\n"
        "      - expect_silence: 250ms\n"
        "      - sleep: 1.5\n"
        "      - notify: go\n"
        "      - wait: go\n"
        "        timeout: 4s\n"
        "      - close\n"
        "      - shutdown\n"
        "      - abort\n"
        "      - close:\n"
    )
    kinds = [type(s).__name__ for s in steps]
    assert kinds == [
        "Send",
        "Expect",
        "Repeat",
        "ExpectEof",
        "ExpectEof",
        "ExpectEof",
        "ExpectSilence",
        "Sleep",
        "Notify",
        "Wait",
        "Close",
        "Shutdown",
        "Abort",
        "Close",
    ]
    assert [s.label for s in steps] == [str(i) for i in range(1, 15)]
    send, expect, repeat = steps[0], steps[1], steps[2]
    assert isinstance(send, Send)
    assert (send.chunk, send.gap) == (2, 0.01)
    assert isinstance(expect, Expect)
    assert expect.timeout == 2.0
    assert isinstance(repeat, Repeat)
    assert repeat.count == 2
    assert [s.label for s in repeat.steps] == ["3.1", "3.2"]
    inner = repeat.steps[1]
    assert isinstance(inner, Repeat)
    assert inner.count is None
    assert [s.label for s in inner.steps] == ["3.2.1"]
    eofs = [s for s in steps if isinstance(s, ExpectEof)]
    assert [e.timeout for e in eofs] == [None, 1.0, 3.0]
    silence, sleep, notify, wait = steps[6:10]
    assert isinstance(silence, ExpectSilence)
    assert silence.duration == 0.25
    assert isinstance(sleep, Sleep)
    assert sleep.duration == 1.5
    assert isinstance(notify, Notify)
    assert notify.event == "go"
    assert isinstance(wait, Wait)
    assert (wait.event, wait.timeout) == ("go", 4.0)


def test_step_location_is_the_list_item() -> None:
    steps = steps_of("      - send: a\n      -   expect: b\n")
    assert [(s.location.line, s.location.col) for s in steps] == [(7, 9), (8, 11)]


@pytest.mark.parametrize(
    ("framing", "expected"),
    [
        ("none", NONE),
        ("line", LINE),
        ("crlf", CRLF),
        ('{delimiter: "\\0"}', delimited(b"\0")),
        ("{length_prefix: {bytes: 4}}", length_prefixed(4, "big")),
        ("{length_prefix: {bytes: 2, byteorder: little}}", length_prefixed(2, "little")),
    ],
)
def test_framing_forms(framing: str, expected: object) -> None:
    text = f"name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    framing: '{framing}'\n    steps: []\n"
    if framing.startswith("{"):
        text = text.replace(f"'{framing}'", framing)
    client = build_one(text).clients[0]
    assert isinstance(client, model.SocketClient)
    assert expected == client.framing


def test_scripted_server() -> None:
    text = (
        "name: x\n"
        "servers:\n"
        "  fake:\n"
        "    listen: udp://127.0.0.1:0\n"
        "    framing: crlf\n"
        "    connections: 2\n"
        "    handle:\n"
        "      - expect: PING\n"
        "      - send: PONG\n"
        "clients: {c: {connect: '${fake.url}', steps: []}}\n"
    )
    s = build_one(text)
    (server,) = s.servers
    assert isinstance(server, model.ScriptedServer)
    assert server.name == "fake"
    assert (server.listen.key, server.listen.scheme, server.listen.template.source) == (
        None,
        "udp",
        "udp://127.0.0.1:0",
    )
    assert (server.listen.location.line, server.listen.location.col) == (4, 13)
    assert (server.location.line, server.location.col) == (3, 3)
    assert server.framing == CRLF
    assert server.connections == 2
    assert server.connections_location is not None
    assert server.connections_location.line == 6
    assert [type(h).__name__ for h in server.handle] == ["Expect", "Send"]
    (client,) = s.clients
    assert isinstance(client, model.SocketClient)
    assert client.scheme == "udp"


def test_process_server_with_listen_mapping_ready_and_stop() -> None:
    text = (
        "name: x\n"
        "servers:\n"
        "  app:\n"
        "    command: [python3, app.py, --port, '${app.web.port}', --sock, '${app.ctl.path}', 8]\n"
        "    listen: {web: 'tcp://127.0.0.1:0', ctl: 'unix:ctl.sock', stats: 'udp://127.0.0.1:0'}\n"
        "    env: {PYTHONUNBUFFERED: 1, HOME_COPY: '${env.HOME}'}\n"
        "    cwd: servers\n"
        "    ready: {stdout: 'Listening on \\d+', timeout: 7s}\n"
        "    stop: {signal: INT, timeout: 500ms}\n"
        "    expect_exit: 0\n"
        "clients:\n"
        "  web: {connect: '${app.web.url}', steps: []}\n"
        "  ctl: {connect: 'unix:${app.ctl.path}', steps: []}\n"
    )
    s = build_one(text, HOME="/home/u")
    (server,) = s.servers
    assert isinstance(server, model.ProcessServer)
    assert [t.source for t in server.command.argv] == [
        "python3",
        "app.py",
        "--port",
        "${app.web.port}",
        "--sock",
        "${app.ctl.path}",
        "8",
    ]
    assert server.command.shell is False
    assert [(k, v.source) for k, v in server.command.env] == [
        ("PYTHONUNBUFFERED", "1"),
        ("HOME_COPY", "${env.HOME}"),
    ]
    assert server.command.cwd is not None
    assert server.command.cwd.source == "servers"
    assert [(a.key, a.scheme) for a in server.listen] == [
        ("web", "tcp"),
        ("ctl", "unix"),
        ("stats", "udp"),
    ]
    assert (server.ready.kind, server.ready.pattern, server.ready.timeout) == (
        "stdout",
        r"Listening on \d+",
        7.0,
    )
    assert server.stop == model.Stop(signal.SIGINT, 0.5)
    assert server.expect_exit == 0
    web, ctl = s.clients
    assert isinstance(web, model.SocketClient)
    assert isinstance(ctl, model.SocketClient)
    assert (web.scheme, ctl.scheme) == ("tcp", "unix")


@pytest.mark.parametrize(
    ("ready", "kind", "check"),
    [
        (None, "connect", None),
        ("{connect: true, timeout: 2s}", "connect", ("timeout", 2.0)),
        ("{stderr: ready}", "stderr", ("pattern", "ready")),
        ("{delay: 300ms}", "delay", ("delay", 0.3)),
        ("{path: '${tmp}/pid'}", "path", None),
    ],
)
def test_ready_forms(ready: str | None, kind: str, check: tuple[str, object] | None) -> None:
    lines = [
        "name: x",
        "servers:",
        "  app:",
        "    command: srv --flag",
        "    listen: tcp://127.0.0.1:0",
    ]
    if ready:
        lines.append(f"    ready: {ready}")
    lines.append("clients: {c: {connect: '${app.url}', steps: []}}")
    (server,) = build_one("\n".join(lines) + "\n").servers
    assert isinstance(server, model.ProcessServer)
    assert server.ready.kind == kind
    if check is not None:
        assert check[1] == getattr(server.ready, check[0])
    if kind == "path":
        assert server.ready.path is not None
        assert list(server.ready.path.refs) == [Ref(("tmp",))]
    assert [t.source for t in server.command.argv] == ["srv", "--flag"]


def test_datagram_process_server_with_delay_is_fine() -> None:
    text = (
        "name: x\nservers:\n  dns: {command: [dns], listen: 'udp://127.0.0.1:0', ready: {delay: 0.2}}\n"
        "clients: {c: {connect: '${dns.url}', steps: [{send: q}, {expect: {any: true}}]}}\n"
    )
    (server,) = build_one(text).servers
    assert isinstance(server, model.ProcessServer)
    assert (server.ready.kind, server.ready.delay) == ("delay", 0.2)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SIGTERM", signal.SIGTERM),
        ("TERM", signal.SIGTERM),
        ("sigkill", signal.SIGKILL),
        ("HUP", signal.SIGHUP),
        ("SIGUSR1", signal.SIGUSR1),
    ],
)
def test_stop_signal_names(name: str, expected: signal.Signals) -> None:
    text = (
        f"name: x\nservers:\n  s: {{command: [srv], listen: 'tcp://127.0.0.1:0', stop: {{signal: {name}}}}}\n"
        "clients: {c: {connect: '${s.url}', steps: []}}\n"
    )
    (server,) = build_one(text).servers
    assert isinstance(server, model.ProcessServer)
    assert server.stop == model.Stop(expected, model.DEFAULT_STOP_TIMEOUT)


@pytest.mark.parametrize(
    ("command", "shell", "argv"),
    [
        ("[echo, 'a b', 3]", "false", ["echo", "a b", "3"]),
        ("\"echo 'a b' ${x}\"", "false", ["echo", "a b", "${x}"]),
        ('"echo $HOME | wc -c"', "true", ["echo $HOME | wc -c"]),
    ],
)
def test_command_forms(command: str, shell: str, argv: list[str]) -> None:
    text = f"name: x\nvars: {{x: 1}}\nclients:\n  c: {{command: {command}, shell: {shell}}}\n"
    (client,) = build_one(text).clients
    assert isinstance(client, model.ProcessClient)
    assert [t.source for t in client.command.argv] == argv
    assert client.command.shell is (shell == "true")


def test_process_client() -> None:
    text = (
        "name: x\n"
        'servers:\n  fake: {listen: \'tcp://127.0.0.1:0\', handle: [{expect: "PING\\r\\n"}, {send: "+PONG\\r\\n"}]}\n'
        "clients:\n"
        "  cli:\n"
        "    command: [redis-cli, -p, '${fake.port}', PING]\n"
        "    stdin: {hex: '0a'}\n"
        "    timeout: 5s\n"
        "    expect_exit: 1\n"
        "    expect_stdout: {regex: PONG}\n"
        "    expect_stderr: ''\n"
        "    count: 3\n"
    )
    (client,) = build_one(text).clients
    assert isinstance(client, model.ProcessClient)
    assert client.stdin is not None
    assert client.stdin.static == b"\n"
    assert (client.timeout, client.expect_exit, client.count) == (5.0, 1, 3)
    assert isinstance(client.expect_stdout, Regex)
    assert isinstance(client.expect_stderr, Exact)
    assert client.expect_stdout_location is not None
    assert client.expect_stdout_location.line == 10
    assert client.expect_exit_location is not None
    assert client.expect_exit_location.line == 9
    default = build_one("name: y\nclients: {c: {command: 'true'}}\n").clients[0]
    assert isinstance(default, model.ProcessClient)
    assert (default.expect_exit, default.count, default.stdin, default.timeout) == (
        0,
        1,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("connect", "scheme"),
    [
        ("tcp://127.0.0.1:7", "tcp"),
        ("'udp://[::1]:53'", "udp"),
        ("unix:/run/x.sock", "unix"),
        ("unixgram:x.sock", "unixgram"),
        ("'${srv.url}'", "unix"),
        ("'unix:${srv.path}'", "unix"),
        ("'${where}'", None),
    ],
)
def test_socket_client_scheme(connect: str, scheme: str | None) -> None:
    text = (
        "name: x\nvars: {where: 'tcp://127.0.0.1:1'}\n"
        "servers:\n  srv: {listen: 'unix:s.sock', handle: []}\n"
        f"clients:\n  c: {{connect: {connect}, steps: [], count: 4}}\n"
    )
    (client,) = build_one(text).clients
    assert isinstance(client, model.SocketClient)
    assert client.scheme == scheme
    assert client.count == 4


def test_captured_variables_and_env_are_known() -> None:
    """${name} is known when a regex anywhere captures it; ${env.X} when X is set."""
    text = (
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n"
        '      - expect: {regex: "id=(?P<id>\\\\d+)\\n"}\n'
        '      - send: "${id} ${env.USER_X} ${tmp}"\n'
    )
    (client,) = build_one(text, USER_X="me").clients
    assert isinstance(client, model.SocketClient)
    send = client.steps[1]
    assert isinstance(send, Send)
    assert [r.path for r in send.payload.parts[0].text.refs] == [
        ("id",),
        ("env", "USER_X"),
        ("tmp",),
    ]  # type: ignore[union-attr]


def test_contains_on_datagram_needs_no_until() -> None:
    """Every expect on a datagram socket reads one datagram, so contains/json need no until."""
    steps = steps_of(
        "      - expect: {contains: ok}\n      - expect: {json: {a: 1}}\n",
        connect="udp://127.0.0.1:9",
    )
    assert [type(s.matcher) for s in steps if isinstance(s, Expect)] == [Contains, JsonSubset]


def test_contains_with_framing_is_fine() -> None:
    steps = steps_of("      - expect: {contains: ok}\n", framing="line")
    assert isinstance(steps[0], Expect)


def test_many_problems_are_all_reported() -> None:
    """Semantic problems are collected, not stopped at the first."""
    text = (
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n"
        "      - send: '${a}'\n      - send: '${b}'\n      - send: {hex: zz}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    assert [p.location.line for p in info.value.problems if p.location] == [6, 7, 8]


def test_regex_compile_error_names_position() -> None:
    with pytest.raises(ConfigError) as info:
        load_text(
            "name: x\nclients: {c: {connect: 'tcp://127.0.0.1:7', steps: [{expect: {regex: 'ab[c'}}]}}\n",
            "s.yaml",
            "/nonexistent",
            environ={},
        )
    (problem,) = info.value.problems
    assert re.search(r"invalid regex: unterminated character set at position 2$", problem.message)


# --------------------------------------------------------------------------- properties

_words = st.sampled_from(
    [
        "send",
        "expect",
        "close",
        "expect_eof",
        "regex",
        "until",
        "hex",
        "json",
        "any",
        "contains",
        "length",
        "text",
        "timeout",
        "repeat",
        "steps",
        "count",
        "wait",
        "notify",
        "sleep",
        "${a.port}",
        "${x}",
        "tcp://127.0.0.1:0",
        "udp://127.0.0.1:0",
        "unix:a.sock",
        "line",
        "crlf",
        "2s",
        "-1",
        "zz",
        "(?P<x>a)",
        "[",
        "${env.HOME}",
    ]
)
_scalars = st.one_of(_words, st.integers(-3, 70000), st.booleans(), st.none(), st.text(max_size=6))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_words, inner, max_size=3)
    ),
    max_leaves=12,
)
_step = st.one_of(
    st.sampled_from(["close", "shutdown", "abort", "expect_eof"]),
    st.dictionaries(
        st.sampled_from(
            [
                "send",
                "expect",
                "expect_eof",
                "sleep",
                "wait",
                "notify",
                "repeat",
                "timeout",
                "chunk",
                "gap",
            ]
        ),
        _values,
        min_size=1,
        max_size=2,
    ),
)
_server = st.fixed_dictionaries(
    {"listen": st.sampled_from(["tcp://127.0.0.1:0", "udp://127.0.0.1:0", "unix:s.sock", "bogus"])},
    optional={
        "handle": st.lists(_step, max_size=3),
        "command": st.one_of(st.just(["srv", "${a.port}"]), st.just("srv 'x")),
        "framing": st.sampled_from(["line", "none", {"delimiter": ";"}, "lines"]),
        "ready": st.dictionaries(
            st.sampled_from(["connect", "stdout", "delay", "path", "timeout"]), _values, max_size=2
        ),
    },
)
_client = st.fixed_dictionaries(
    {},
    optional={
        "connect": st.sampled_from(
            ["${a.url}", "tcp://127.0.0.1:${a.port}", "udp://127.0.0.1:${a.port}", "${b.url}", "x"]
        ),
        "steps": st.lists(_step, max_size=4),
        "command": st.one_of(st.just(["cli"]), st.just("cli -p ${a.port}")),
        "framing": st.sampled_from(["line", "crlf", {"length_prefix": {"bytes": 2}}]),
        "expect_stdout": _values,
        "count": st.integers(-1, 3),
    },
)
_scenario = st.fixed_dictionaries(
    {
        "name": st.one_of(st.just("s"), _scalars),
        "clients": st.dictionaries(st.sampled_from(["c", "d", "env"]), _client, max_size=2),
    },
    optional={
        "servers": st.dictionaries(st.sampled_from(["a", "b"]), _server, max_size=2),
        "vars": st.dictionaries(st.sampled_from(["x", "y"]), _scalars, max_size=2),
        "timeout": _scalars,
        "tags": st.lists(_words, max_size=2),
    },
)

_valid_steps = st.lists(
    st.sampled_from(
        [
            "close",
            {"send": "hi ${a.port}"},
            {"send": [{"hex": "00 01"}, {"json": {"k": "${x}"}}], "chunk": 1},
            {"expect": {"regex": "(?P<x>\\d+)"}, "timeout": "2s"},
            {"expect": {"until": "\n"}},
            {"expect": {"length": 3}},
            {"expect": {"any": True}},
            {"sleep": 0.1},
            {"expect_silence": "10ms"},
            {"notify": "e"},
            {"wait": "e", "timeout": 1},
            {"repeat": {"count": 2, "steps": [{"send": "x"}]}},
        ]
    ),
    max_size=5,
)
_valid_scenario = st.fixed_dictionaries(
    {
        "name": st.text(min_size=1, max_size=10),
        "servers": st.fixed_dictionaries(
            {
                "a": st.one_of(
                    st.fixed_dictionaries(
                        {
                            "listen": st.sampled_from(["tcp://127.0.0.1:0", "unix:a.sock"]),
                            "handle": _valid_steps,
                        }
                    ),
                    st.just({"command": ["srv", "${a.port}"], "listen": "tcp://127.0.0.1:0"}),
                )
            }
        ),
        "vars": st.just({"x": 1}),
        "clients": st.fixed_dictionaries(
            {
                "c": st.fixed_dictionaries({"connect": st.just("${a.url}"), "steps": _valid_steps}),
                "p": st.just({"command": "cli ${a.url}", "expect_stdout": {"contains": "ok"}}),
            }
        ),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_scenario, _valid_scenario))
def test_any_document_builds_or_yields_located_problems(document: dict[str, object]) -> None:
    """Whatever the document, loading returns scenarios or raises ConfigError with located problems."""
    text = yaml.safe_dump(document)
    problems = []
    try:
        scenarios = load_text(text, "p.yaml", "/nonexistent", environ={"HOME": "/root"})
    except ConfigError as exc:
        problems = exc.problems
        scenarios = []
    if not problems:
        assert [s.name for s in scenarios] == [document["name"]]
    for p in problems:
        assert p.location is not None
        assert p.location.path == "p.yaml"
        assert str(p).startswith(f"p.yaml:{p.location.line}:{p.location.col}: error: ")


@given(st.text(alphabet="ab '\"\\\t\n$", max_size=40))
def test_command_words_split_as_shlex_does(text: str) -> None:
    try:
        expected: list[str] | str = shlex.split(text)
    except ValueError as exc:
        expected = str(exc)
    try:
        got: list[str] | str = split_words(text)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


def test_a_long_quoted_command_splits_in_linear_time() -> None:
    started = time.perf_counter()
    assert split_words('"' + "a" * 120_000 + '" b') == ["a" * 120_000, "b"]
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("quoted", ["echo '${x}'", 'echo "a ${x} b"', "echo \"$HOME\"'${x}'"])
def test_a_placeholder_inside_quotes_of_a_shell_command_is_refused(quoted: str) -> None:
    """Its value is quoted for the shell already: inside quotes it would be shell syntax again."""
    text = (
        "name: x\nvars: {x: v}\nclients:\n  c:\n    shell: true\n    command: "
        + json.dumps(quoted)
        + "\n"
    )
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    assert [str(p) for p in info.value.problems] == [
        "s.yaml:6:14: error: a placeholder inside quotes in a shell command: with shell: true "
        "every placeholder's value is inserted quoted already, and its quotes would close yours "
        "(remove the quotes around the placeholder)"
    ]


def test_a_placeholder_outside_quotes_of_a_shell_command_is_fine() -> None:
    text = 'name: x\nvars: {x: v}\nclients:\n  c:\n    shell: true\n    command: "echo \'$${x}\' ${x} \\"$$HOME\\""\n'
    assert build_one(text).clients[0].name == "c"


def test_a_command_string_over_the_os_limit_is_refused_by_size() -> None:
    text = 'name: x\nclients:\n  c: {command: "' + "a " * 600_000 + '"}\n'
    started = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    assert time.perf_counter() - started < 5
    assert [str(p) for p in info.value.problems] == [
        "s.yaml:3:16: error: the command is 1,200,000 characters long; the limit is 131,072 "
        "(the most the OS passes as one argument) (run a script instead)"
    ]
