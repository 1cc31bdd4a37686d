# ruff: noqa: E501  (a table of exact messages reads best one message per line)
"""Invalid scenario files and the exact message, line and column each must produce.

Every row is a complete file; the expected lines are what a user sees, so a
change to wording or placement is a visible change and shows up here.
"""

from __future__ import annotations

import pytest

from sockscen.errors import ConfigError
from sockscen.loader import load_text

# (id, file text, every problem as printed)
CASES: list[tuple[str, str, list[str]]] = [
    (
        "unknown_step_key",
        "name: echo\nclients:\n  alice:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - sned: hello\n",
        [
            "s.yaml:6:9: error: unknown key 'sned' in step (did you mean 'send'?)",
        ],
    ),
    (
        "rule_without_an_answer",  # was "unknown key 'when' in rule"
        'name: x\nservers:\n  s:\n    listen: tcp://127.0.0.1:0\n    rules:\n      - when: PING\nclients: {a: {connect: "${s.url}", steps: []}}\n',
        [
            "s.yaml:6:9: error: rule needs one of the keys 'reply', 'replies' or 'steps'",
        ],
    ),
    (
        "rule_with_two_answers",  # was accepted: no form of the oneOf had an error to explain
        'name: x\nservers:\n  s:\n    listen: tcp://127.0.0.1:0\n    rules:\n      - when: PING\n        reply: a\n        replies: [b]\nclients: {a: {connect: "${s.url}", steps: []}}\n',
        [
            "s.yaml:8:9: error: rule has both 'reply' and 'replies' (use only one of them)",
        ],
    ),
    (
        "unknown_top_key",
        'name: x\nservrs: {}\nclients: {a: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:2:1: error: unknown key 'servrs' in scenario (did you mean 'servers'?)",
        ],
    ),
    (
        "unknown_key_no_suggestion",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: hi\n        zebra: 1\n",
        [
            "s.yaml:7:9: error: unknown key 'zebra' in send step (valid keys: send, chunk, gap)",
        ],
    ),
    (
        "unknown_server_key",
        'name: x\nservers:\n  s:\n    listen: tcp://127.0.0.1:0\n    handel: []\n    handle: []\nclients: {a: {connect: "${s.url}", steps: []}}\n',
        [
            "s.yaml:5:5: error: unknown key 'handel' in scripted server (did you mean 'handle'?)",
        ],
    ),
    (
        "yes_no_quote_hint",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: yes\n",
        [
            "s.yaml:6:15: error: expected a string, a list or a mapping with one of the keys 'text', 'hex', 'base64', 'file' or 'json', got the boolean true (quote it: YAML reads yes/no/on/off as booleans)",
        ],
    ),
    (
        "on_in_env",
        "name: x\nclients:\n  a:\n    command: [true]\n    env:\n      DEBUG: on\n",
        [
            "s.yaml:4:15: error: expected a string or a number, got the boolean true (quote it: YAML reads yes/no/on/off as booleans)",
            "s.yaml:6:14: error: expected a string or a number, got the boolean true (quote it: YAML reads yes/no/on/off as booleans)",
        ],
    ),
    (
        "number_where_text",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: {hex: 1234}\n",
        [
            "s.yaml:6:21: error: expected a string, got the number 1234 (quote it if you mean text)",
        ],
    ),
    (
        "missing_name",
        'clients:\n  a: {connect: "tcp://127.0.0.1:7", steps: []}\n',
        [
            "s.yaml:1:1: error: missing required key 'name'",
        ],
    ),
    (
        "missing_clients",
        "name: lonely\n",
        [
            "s.yaml:1:1: error: missing required key 'clients'",
        ],
    ),
    (
        "empty_clients",
        "name: x\nclients: {}\n",
        [
            "s.yaml:2:10: error: a scenario needs at least one client",
        ],
    ),
    (
        "bad_duration",
        'name: x\ntimeout: 10 seconds\nclients: {a: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:2:10: error: '10 seconds' is not a duration: write a number of seconds or use a unit (250ms, 2s, 1.5s, 1m)",
        ],
    ),
    (
        "negative_duration",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - sleep: -1\n",
        [
            "s.yaml:6:16: error: a duration must be a finite number of seconds >= 0, got -1",
        ],
    ),
    (
        "bool_duration",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect: hi\n        timeout: no\n",
        [
            "s.yaml:7:18: error: expected a duration such as 2s or 250ms, got False",
        ],
    ),
    (
        "bad_address_no_port",
        "name: x\nclients:\n  a:\n    connect: tcp://localhost\n    steps: []\n",
        [
            "s.yaml:4:14: error: 'tcp://localhost' needs a host and a port: tcp://127.0.0.1:8080",
        ],
    ),
    (
        "bad_address_scheme",
        "name: x\nclients:\n  a:\n    connect: http://127.0.0.1:80\n    steps: []\n",
        [
            "s.yaml:4:14: error: 'http://127.0.0.1:80' is not an address: use tcp://HOST:PORT, udp://HOST:PORT, unix:PATH or unixgram:PATH",
        ],
    ),
    (
        "address_not_string",
        "name: x\nclients:\n  a:\n    connect: 8080\n    steps: []\n",
        [
            "s.yaml:4:14: error: expected an address such as tcp://127.0.0.1:0, udp://HOST:PORT, unix:PATH or unixgram:PATH, got the number 8080 (quote it if you mean text)",
        ],
    ),
    (
        "bad_framing_word",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    framing: lines\n    steps: []\n",
        [
            's.yaml:5:14: error: expected one of "none", "line" or "crlf", got the string \'lines\' (did you mean \'line\'?)',
        ],
    ),
    (
        "bad_length_prefix",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    framing: {length_prefix: {bytes: 3}}\n    steps: []\n",
        [
            "s.yaml:5:38: error: expected one of 1, 2, 4 or 8, got the number 3",
        ],
    ),
    (
        "bare_step_typo",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - clsoe\n",
        [
            's.yaml:6:9: error: expected one of "close", "shutdown", "abort", "expect_eof" or "expect_reset", got the string \'clsoe\' (did you mean \'close\'?)',
        ],
    ),
    (
        "bare_step_needs_value",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send\n",
        [
            "s.yaml:6:9: error: 'send' needs a value here: write 'send: ...'",
        ],
    ),
    (
        "two_actions_in_step",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: a\n        expect: b\n",
        [
            "s.yaml:7:9: error: step has both 'send' and 'expect' (write them as two steps)",
        ],
    ),
    (
        "empty_step",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - {}\n",
        [
            "s.yaml:6:9: error: step needs one of the keys 'send', 'expect', 'expect_eof', 'expect_reset', 'expect_file', 'expect_silence', 'sleep', 'close', 'shutdown', 'abort', 'notify', 'wait' or 'repeat'",
        ],
    ),
    (
        "matcher_unknown_key",
        'name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect: {regex: "a", util: "\\n"}\n',
        [
            "s.yaml:6:30: error: unknown key 'util' in regex matcher (did you mean 'until'?)",
        ],
    ),
    (
        "matcher_two_kinds",
        'name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect: {regex: "a", text: "b"}\n',
        [
            "s.yaml:6:18: error: matcher has both 'text' and 'regex' (use only one of them)",
        ],
    ),
    (
        "matcher_any_false",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect: {any: false}\n",
        [
            "s.yaml:6:23: error: expected true, got the boolean false",
        ],
    ),
    (
        "matcher_number",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect: 42\n",
        [
            "s.yaml:6:17: error: expected a string, a list or a mapping with one of the keys 'text', 'hex', 'base64', 'file', 'json', 'regex', 'length', 'contains', 'any', 'until', 'all' or 'not', got the number 42 (quote it if you mean text)",
        ],
    ),
    (
        "duplicate_key",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps: []\n    connect: tcp://127.0.0.1:8\n",
        [
            "s.yaml:6:5: error: duplicate key 'connect' (first defined on line 4) (YAML would silently keep only the last one; remove or rename one)",
        ],
    ),
    (
        "yaml_syntax",
        'name: x\nclients:\n  a: {connect: "tcp://127.0.0.1:7", steps: [}\n',
        [
            "s.yaml:3:45: error: invalid YAML: did not find expected node content (while parsing a flow node)",
        ],
    ),
    (
        "tab_indent",
        "name: x\nclients:\n\ta: {}\n",
        [
            "s.yaml:3:1: error: invalid YAML: a tab character where YAML expects indentation or a value (indent with spaces; YAML does not allow tabs there)",
        ],
    ),
    (
        "bad_actor_name",
        'name: x\nclients:\n  "my client": {connect: "tcp://127.0.0.1:7", steps: []}\n',
        [
            "s.yaml:3:3: error: invalid name 'my client': an actor name uses ASCII letters, digits, _ and -, starts with a letter or _, and is not env or tmp",
        ],
    ),
    (
        "reserved_actor_name",
        'name: x\nclients:\n  env: {connect: "tcp://127.0.0.1:7", steps: []}\n',
        [
            "s.yaml:3:3: error: invalid name 'env': an actor name uses ASCII letters, digits, _ and -, starts with a letter or _, and is not env or tmp",
        ],
    ),
    (
        "bad_tag",
        'name: x\ntags: [smoke, slow-ish]\nclients: {a: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:2:15: error: invalid value 'slow-ish': a tag uses ASCII letters, digits and _, and starts with a letter or _ (it becomes a pytest marker)",
        ],
    ),
    (
        "count_zero",
        'name: x\nclients:\n  a: {connect: "tcp://127.0.0.1:7", steps: [], count: 0}\n',
        [
            "s.yaml:3:55: error: expected a number of at least 1, got the number 0",
        ],
    ),
    (
        "client_both_kinds",
        'name: x\nclients:\n  a: {connect: "tcp://127.0.0.1:7", command: [echo], steps: []}\n',
        [
            "s.yaml:3:37: error: client has both 'steps' and 'command' (use only one of them)",
        ],
    ),
    (
        "client_neither_kind",
        "name: x\nclients:\n  a: {count: 2}\n",
        [
            "s.yaml:3:6: error: client needs one of the keys 'steps' or 'command'",
        ],
    ),
    (
        "socket_client_missing_steps",
        'name: x\nclients:\n  a: {connect: "tcp://127.0.0.1:7"}\n',
        [
            "s.yaml:3:6: error: client needs one of the keys 'steps' or 'command'",
        ],
    ),
    (
        "server_neither_kind",
        'name: x\nservers:\n  s: {listen: "tcp://127.0.0.1:0"}\nclients: {a: {connect: "${s.url}", steps: []}}\n',
        [
            "s.yaml:3:6: error: server needs one of the keys 'handle', 'rules' or 'command'",
        ],
    ),
    (
        "scripted_listen_mapping",
        'name: x\nservers:\n  s:\n    listen: {a: "tcp://127.0.0.1:0"}\n    handle: []\nclients: {a: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:4:13: error: expected an address such as tcp://127.0.0.1:0, udp://HOST:PORT, unix:PATH or unixgram:PATH, got a mapping (only a process server's listen may be a mapping of names to addresses)",
        ],
    ),
    (
        "ready_two_forms",
        'name: x\nservers:\n  s:\n    command: [srv]\n    listen: tcp://127.0.0.1:0\n    ready: {stdout: up, delay: 1s}\nclients: {a: {connect: "${s.url}", steps: []}}\n',
        [
            "s.yaml:6:25: error: ready has both 'stdout' and 'delay' (use only one of them)",
        ],
    ),
    (
        "stop_signal_bad",
        'name: x\nservers:\n  s:\n    command: [srv]\n    listen: tcp://127.0.0.1:0\n    stop: {signal: "15"}\nclients: {a: {connect: "${s.url}", steps: []}}\n',
        [
            "s.yaml:6:20: error: invalid value '15': a signal is a name such as SIGTERM, SIGINT or SIGKILL",
        ],
    ),
    (
        "empty_value",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - expect:\n",
        [
            "s.yaml:6:16: error: expected a string, a list or a mapping with one of the keys 'text', 'hex', 'base64', 'file', 'json', 'regex', 'length', 'contains', 'any', 'until', 'all' or 'not', got an empty value (nothing follows the colon; write a value or remove the key)",
        ],
    ),
    (
        "not_a_mapping",
        "- name: x\n",
        [
            "s.yaml:1:1: error: a scenario must be a mapping with keys such as name:, servers: and clients:, not a list",
        ],
    ),
    (
        "python_tag",
        'name: !!python/object/apply:os.system ["true"]\nclients: {a: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:1:7: error: unsupported YAML tag '!!python/object/apply:os.system': scenario files use plain YAML values only (remove the tag)",
        ],
    ),
    (
        "chunk_zero",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - send: abc\n        chunk: 0\n",
        [
            "s.yaml:7:16: error: expected a number of at least 1, got the number 0",
        ],
    ),
    (
        "repeat_unknown_key",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:7\n    steps:\n      - repeat: {times: 3, steps: [close]}\n",
        [
            "s.yaml:6:18: error: unknown key 'times' in repeat (valid keys: count, steps)",
        ],
    ),
    (
        "vars_bad_value",
        'name: x\nvars: {greeting: [hello]}\nclients: {a: {connect: "tcp://127.0.0.1:7", steps: []}}\n',
        [
            "s.yaml:2:18: error: expected a string, a number or a boolean, got a list",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_file_reports_exact_problems(text: str, expected: list[str]) -> None:
    """Each invalid file yields exactly the listed problems, in file order."""
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    assert expected == [str(p) for p in info.value.problems]


def test_table_covers_enough_cases() -> None:
    """The table stays a real table: many kinds of mistakes, each with its own id."""
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 25


def test_error_render_is_one_line_per_problem() -> None:
    """ConfigError renders every problem on its own line, sorted by position."""
    text = "name: x\nservrs: {}\nclients:\n  a: {connect: 'tcp://127.0.0.1:7', steps: [sned]}\n"
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    lines = info.value.render().splitlines()
    assert lines == [
        "s.yaml:2:1: error: unknown key 'servrs' in scenario (did you mean 'servers'?)",
        's.yaml:4:45: error: expected one of "close", "shutdown", "abort", "expect_eof" or '
        "\"expect_reset\", got the string 'sned' (did you mean 'send: ...'?)",
    ]
