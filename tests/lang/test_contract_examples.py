"""The constructs of the public contract (spec v1 and v2), each written as the spec shows it.

One scenario per area runs them together against sockscen's own scripted
servers and small Python programs on loopback, and must pass: a construct the
contract allows that sockscen refused, or ran differently, fails here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.engine.conftest import RunYaml, assert_passed

PY = sys.executable


def test_payload_and_matcher_forms(run_yaml: RunYaml, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "req.bin").write_bytes(b"REQ")
    result = run_yaml(
        r"""
        name: payload and matcher forms
        description: every payload form sent, every matcher form expected
        tags: [tcp, smoke]
        timeout: 10s
        vars:
          greeting: hello
        files:
          conf/a.txt: "port ${srv.port} ${greeting}"
          blob.bin: [{file: data/req.bin}, {hex: "00*3"}]
          run.sh: {text: "#!/bin/sh\necho hi\n", mode: "0755"}
          j.json: {json: {a: 1}, mode: "0600"}
        servers:
          srv:
            listen: tcp://127.0.0.1:0
            framing: crlf
            connections: 1
            handle:
              - expect: "PING"
              - send: "+PONG"
              - expect: {regex: "GET (?P<key>\\S+)"}
              - send: ["$", "${key}", "!"]
              - expect: {contains: "mid"}
              - expect: {json: {op: x}}
              - expect: {any: true}
              - expect: {length: 3}
              - expect: {text: "é", encoding: latin-1}
              - expect: {hex: "48 65 6c 6c 6f"}
              - expect: {base64: "SGVsbG8="}
              - expect: {file: data/req.bin}
              - expect: [{hex: "12 34"}, "get"]
              - expect: {all: [{contains: "a"}, {not: {contains: "z"}}]}
              - expect: {hex: "81 01 ?? ?? (cas:2) 00*2 ??*2"}
              - send: {hex: "80 02 ${cas}"}
              - expect_file: {path: conf/a.txt, regex: "port \\d+ hello"}
              - expect_file: {path: blob.bin, hex: "52 45 51 00 00 00"}
              - expect: "bye"
              - expect_eof
        clients:
          cli:
            connect: ${srv.url}
            framing: crlf
            steps:
              - send: "PING"
              - expect: "+PONG"
              - send: "GET k1"
              - expect: "$k1!"
              - send: "a mid b"
              - send: {json: {op: x, extra: [1, 2]}}
              - send: "whatever"
              - send: "abc"
              - send: {text: "é", encoding: latin-1}
              - send: {hex: "48 65 6c 6c 6f"}
              - send: {base64: "SGVsbG8="}
              - send: {file: data/req.bin}
              - send: [{hex: "12 34"}, "get"]
              - send: "abc"
              - send: {hex: "81 01 aa bb cc dd 00 00 ee ff"}
              - expect: {hex: "80 02 cc dd"}
              - send: "bye"
                chunk: 1
                gap: 1ms
              - close
        """
    )
    assert_passed(result)


def test_stream_matchers_and_a_rule_server(run_yaml: RunYaml) -> None:
    result = run_yaml(
        r"""
        name: stream matchers and rules
        timeout: 1m
        vars: {dot: "a.b"}
        servers:
          redis:
            listen: unix:app.sock
            framing: crlf
            timeout: 2s
            rules:
              - when: "PING"
                reply: "+PONG"
              - when: {regex: "GET (?P<key>\\S+)"}
                replies: ["$5\r\nfirst", "$6\r\nsecond"]
                expect_count: {min: 1, max: 5}
              - when: {regex: "QUIT"}
                steps: [{send: "+OK"}, close]
              - when: {json: {op: login}}
                state: start
                goto: logged_in
                reply: "+IN"
              - when: {json: {op: login}}
                state: logged_in
                reply: "+ALREADY"
                faults: [{delay: 1ms}]
              - when: {regex: "${dot}"}
                reply: "+DOT"
                expect_count: 1
            state_scope: connection
            default: {reply: "-ERR unknown command"}
            expect_unmatched: 1
          raw:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
              - send: "$5\r\nabcde\r\n"
              - send: "250-SIZE 1\r\n250-PIPE\r\n250 OK\r\n"
              - send: "tail"
              - expect_silence: 50ms
              - abort
        clients:
          a:
            connect: ${redis.url}
            framing: crlf
            steps:
              - send: "PING"
              - expect: "+PONG"
              - send: "GET k"
              - expect: "$5"
              - expect: "first"
              - send: "GET k"
              - expect: "$6"
              - expect: "second"
              - send: "GET k"
              - expect: "$6"
              - expect: "second"
              - send: {json: {op: login, u: 1}}
              - expect: "+IN"
              - send: {json: {op: login}}
              - expect: {regex: "\\+ALR.*"}
              - send: "a.b"
              - expect: "+DOT"
              - send: "axb"
              - expect: {contains: "ERR"}
              - send: "QUIT"
              - expect: "+OK"
              - expect_eof
              - notify: done-a
          b:
            connect: unix:${redis.path}
            count: 3
            framing: line
            steps:
              - wait: done-a
                timeout: 5s
              - sleep: 10ms
              - send: "PING\r"
              - expect: "+PONG\r"
              - shutdown
          c:
            connect: ${raw.url}
            steps:
              - expect: {until: "\r\n\r\n", regex: "(?s).*Content-Length: (?P<n>\\d+).*"}
              - expect: {length: "${n}", text: "hello"}
              - expect: ["$", {regex: "(?P<m>\\d+)\r\n"}, {length: 5}, "\r\n"]
              - expect:
                  until: {regex: "(?m)^250 [^\r\n]*\r\n"}
                  all: [{contains: "250-SIZE"}, {not: {contains: "STARTTLS"}}]
              - expect: {length: 4}
              - expect_reset:
                  timeout: 2s
          d:
            steps:
              - sleep: 250ms
              - sleep: 0.01
        """
    )
    assert_passed(result)


UDP_SERVER = """\
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("listening on", s.getsockname()[1], flush=True)
while True:
    data, addr = s.recvfrom(65535)
    fresh = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fresh.bind(("127.0.0.1", 0))
    fresh.sendto(b"ack:" + data, addr)
"""

ECHO_SERVER = """\
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
while True:
    c, _ = s.accept()
    d = c.recv(100)
    if d:
        c.sendall(d)
    c.close()
"""


def test_datagrams_programs_and_proxies(run_yaml: RunYaml, tmp_path: Path) -> None:
    (tmp_path / "udpsrv.py").write_text(UDP_SERVER)
    (tmp_path / "echosrv.py").write_text(ECHO_SERVER)
    result = run_yaml(
        rf"""
        name: datagrams, programs and proxies
        servers:
          dg:
            listen: udp://127.0.0.1:0
            connections: 1
            handle:
              - expect: {{regex: "ping (?P<n>\\d+)"}}
              - send: "pong ${{n}}"
              - expect: {{hex: "23 00*47"}}
              - send: {{json: {{ok: true}}}}
          ug:
            listen: unixgram:ug.sock
            rules:
              - when: "a"
                reply: "b"
          tftp:
            command: [{PY}, udpsrv.py]
            ready: {{stdout: "listening on (?P<port>\\d+)", timeout: 5s}}
            listen: udp://127.0.0.1:${{port}}
            env: {{PYTHONUNBUFFERED: "1"}}
            cwd: .
            stop: {{signal: SIGTERM, timeout: 1s}}
            expect_stdout: {{contains: "listening"}}
          echo:
            command: [{PY}, echosrv.py, "${{echo.port}}"]
            listen: tcp://127.0.0.1:0
        proxies:
          flaky:
            listen: tcp://127.0.0.1:0
            upstream: ${{echo.url}}
            upstream_faults: [{{delay: 5ms, jitter: 1ms}}]
            downstream_faults: [{{slice: {{size: 1, gap: 1ms}}}}]
            connections: 1
        clients:
          u:
            connect: ${{dg.url}}
            steps:
              - send: "ping 7"
              - expect: "pong 7"
              - send: {{hex: "23 00*47"}}
              - expect: {{json: {{ok: true}}}}
          ugc:
            connect: ${{ug.url}}
            steps:
              - send: "a"
              - expect: "b"
          t:
            connect: ${{tftp.url}}
            reply_from: any
            steps:
              - send: "x"
              - expect: "ack:x"
              - expect_silence: 20ms
          p:
            connect: ${{flaky.url}}
            steps:
              - send: "hello"
              - expect: "hello"
          cli:
            command: [{PY}, -c, "print('PONG')"]
            expect_exit: 0
            expect_stdout: {{regex: "PONG"}}
            notify: cli-done
          cli2:
            command: "echo ${{dg.port}}"
            shell: true
            wait: cli-done
            expect_stdout: {{regex: "\\d+"}}
        """
    )
    assert_passed(result)
