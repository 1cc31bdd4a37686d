"""Hints where newcomers lose time, and the v1 corrections: each says what users see."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from sockscen.errors import ConfigError
from sockscen.loader import load_text
from sockscen.reporting.failure import failure_headline
from sockscen.results import Outcome
from tests.e2e.cli_support import sockscen
from tests.engine.conftest import RunYaml, assert_passed, explain

PY = sys.executable


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    return [str(p) for p in info.value.problems]


def test_expect_eof_true_says_write_the_bare_step() -> None:
    steps = "    steps:\n      - expect_eof: true\n"
    text = f"name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n{steps}"
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:6:21: error: expected nothing or a mapping, got the boolean")
    assert problem.endswith("(write `- expect_eof`: a step without argument is a bare string)")


def test_unquoted_placeholder_in_a_flow_sequence_says_quote_it() -> None:
    text = (
        "name: x\nservers:\n  app:\n    command: [prog, --port=${app.port}]\n"
        "    listen: tcp://127.0.0.1:0\nclients:\n  c: {connect: '${app.url}', steps: []}\n"
    )
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:4:29: error: invalid YAML: an unquoted ${...} inside")
    assert 'quote it: ["--port=${app.port}"]' in problem


def test_single_quoted_escapes_are_a_located_warning(tmp_path: Path) -> None:
    """Shown with its location by validate and run; the exit code does not change."""
    (scenario,) = load_text(
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n"
        "      - send: 'PING\\r\\n'\n      - send: \"fine\\r\\n\"\n",
        "s.yaml",
        "/nonexistent",
        environ={},
    )
    (warning,) = [str(w) for w in scenario.warnings]
    assert warning.startswith(
        "s.yaml:6:15: warning: this single-quoted string holds \\r, \\n as a backslash"
    )
    path = tmp_path / "w.yaml"
    path.write_text("name: x\nclients:\n  c:\n    command: ['printf', 'a\\n']\n")
    done = sockscen("validate", "w.yaml", cwd=tmp_path)
    assert done.returncode == 0
    assert "w.yaml:4:25: warning: this single-quoted string holds \\n" in done.stderr


def test_ready_path_naming_a_listen_path_suggests_the_placeholder() -> None:
    text = (
        "name: x\nservers:\n  app:\n    command: [srv]\n    listen: unix:app.sock\n"
        "    ready: {path: app.sock}\nclients:\n  c: {connect: '${app.url}', steps: []}\n"
    )
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:6:19: error: ready: path 'app.sock' is read relative")
    assert problem.endswith("(write path: ${app.path})")


def test_a_daemon_exiting_after_it_was_ready_gets_the_same_hint(run_yaml: RunYaml) -> None:
    """The parent exits 0 once its child is ready: the same 'run it in the foreground' hint."""
    program = "print('ready', flush=True); import time; time.sleep(0.3)"
    result = run_yaml(
        f"""
        name: daemon after ready
        servers:
          app:
            command: [{PY}, -c, {json.dumps(program)}]
            ready: {{stdout: ready}}
        clients:
          c: {{command: [sleep, "5"]}}
        """
    )
    assert result.outcome is Outcome.FAILED
    message = result.failures[0].message
    assert message.startswith("server 'app' exited before the scenario ended, with exit status 0")
    assert "did it daemonize or fork into the background? Run it in the foreground" in message


def test_handler_labels_in_headlines_have_no_copy_suffix(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: handler fails
        servers:
          mta:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: "HELO"
        clients:
          c:
            connect: ${mta.url}
            steps:
              - send: "EHLO"
              - expect_eof
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = next(f for f in result.failures if f.actor.startswith("mta"))
    assert failure_headline(result, failure).startswith("scripted server mta#1, step 1")


SERVE_BOTH = """
import socket, sys, threading
port = int(sys.argv[1])
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", port))
tcp = socket.socket(); tcp.bind(("127.0.0.1", port)); tcp.listen()
def over_udp():
    while True:
        data, peer = udp.recvfrom(512); udp.sendto(b"udp " + data, peer)
threading.Thread(target=over_udp, daemon=True).start()
print("serving", flush=True)
while True:
    c, _ = tcp.accept(); c.sendall(b"tcp " + c.recv(512)); c.close()
"""


def test_a_client_may_use_another_transport_than_the_listen_of_a_program(
    run_yaml: RunYaml,
) -> None:
    """dnsmasq-style: one port number, TCP and UDP; the listen says udp, a client uses tcp."""
    result = run_yaml(
        f"""
        name: tcp and udp on one port
        files:
          both.py: {json.dumps(SERVE_BOTH)}
        servers:
          dns:
            command: [{PY}, "${{tmp}}/both.py", "${{dns.port}}"]
            listen: udp://127.0.0.1:0
            ready: {{stdout: serving}}
        clients:
          over_udp:
            connect: ${{dns.url}}
            steps: [send: q, expect: "udp q"]
          over_tcp:
            connect: tcp://127.0.0.1:${{dns.port}}
            steps: [send: q, expect: "tcp q"]
        """
    )
    assert_passed(result)


def test_a_scripted_server_is_still_reached_only_as_it_listens() -> None:
    text = (
        "name: x\nservers:\n  srv: {listen: 'tcp://127.0.0.1:0', handle: []}\n"
        "clients:\n  c: {connect: 'udp://127.0.0.1:${srv.port}', steps: []}\n"
    )
    (problem,) = problems(text)
    assert "client 'c' connects with udp but server 'srv' listens on tcp://" in problem


def test_reply_from_any_is_for_udp_clients() -> None:
    text = "name: x\nclients:\n  c: {connect: 'tcp://127.0.0.1:7', reply_from: any, steps: []}\n"
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:3:49: error: reply_from: any is for udp:// clients")


FRESH_PORT = """
import socket
import sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("up", flush=True)
data, peer = s.recvfrom(512)
t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); t.bind(("127.0.0.1", 0))
t.sendto(b"from fresh", peer)
data, peer2 = t.recvfrom(512)
t.sendto(b"again " + data, peer2)
import time; time.sleep(30)
"""


@pytest.mark.parametrize("reply_from", ["any", "connect"])
def test_reply_from(run_yaml: RunYaml, reply_from: str) -> None:
    """any: replies from a fresh port are taken and answered; connect: the timeout says why."""
    result = run_yaml(
        f"""
        name: fresh port
        files:
          srv.py: {json.dumps(FRESH_PORT)}
        servers:
          tftp:
            command: [{PY}, "${{tmp}}/srv.py", "${{tftp.port}}"]
            listen: udp://127.0.0.1:0
            ready: {{stdout: up}}
        clients:
          c:
            connect: ${{tftp.url}}
            reply_from: {reply_from}
            steps:
              - send: hi
              - expect: "from fresh"
                timeout: 1s
              - send: ack
              - expect: "again ack"
        """
    )
    if reply_from == "any":
        assert_passed(result)
        return
    assert result.outcome is Outcome.FAILED, explain(result)
    message = result.failures[0].message
    assert message.startswith("timed out after 1")
    assert message.endswith(
        "s waiting for the expected data; nothing arrived (this socket takes "
        "replies only from the address it connected to; if the server answers from another "
        "port, as TFTP does, write reply_from: any)"
    )
