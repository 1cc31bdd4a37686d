"""Pure parts of the process support: argument expansion, output tails, readiness lines, checks."""

from __future__ import annotations

import errno
import re
import signal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.addresses import Address
from sockscen.errors import SetupError
from sockscen.matchers import Contains, Exact, JsonSubset, Length, Regex
from sockscen.model import Ready
from sockscen.payloads import text_payload
from sockscen.placeholders import parse_template
from sockscen.processes import (
    Capture,
    LineWatch,
    OutputTail,
    check_output,
    describe_ready,
    describe_status,
    expand_command,
)
from sockscen.processes.commands import PreparedCommand, spawn_error
from tests.process.proctools import LOC, command, lookup_from

# --------------------------------------------------------------------------- expand_command


def test_placeholders_are_expanded_in_argv_env_and_cwd(tmp_path: Path) -> None:
    cmd = command(
        "python3",
        "serve.py",
        "--port=${app.port}",
        env={"GREETING": "${greeting}!"},
        cwd="${sub}",
    )
    lookup = lookup_from({"app.port": "4000", "greeting": "hi", "sub": "work"})

    prepared = expand_command(cmd, lookup, str(tmp_path), "server 'app'")

    assert prepared.argv == ("python3", "serve.py", "--port=4000")
    assert prepared.env == {"GREETING": "hi!"}
    assert prepared.cwd == str(tmp_path / "work")


def test_cwd_defaults_to_the_scenario_folder(tmp_path: Path) -> None:
    prepared = expand_command(command("true"), lookup_from({}), str(tmp_path), "server 'app'")
    assert prepared.cwd == str(tmp_path)


def test_an_absolute_cwd_is_kept(tmp_path: Path) -> None:
    prepared = expand_command(command("true", cwd="/"), lookup_from({}), str(tmp_path), "x")
    assert prepared.cwd == "/"


def test_a_relative_cwd_is_normalised_against_the_folder(tmp_path: Path) -> None:
    prepared = expand_command(
        command("true", cwd="../x/./y"), lookup_from({}), str(tmp_path / "a"), "x"
    )
    assert prepared.cwd == str(tmp_path / "x" / "y")


def test_shell_runs_the_command_through_sh() -> None:
    prepared = expand_command(
        command("echo ${word} | tr a-z A-Z", shell=True), lookup_from({"word": "hi"}), "/", "x"
    )
    assert prepared.argv == ("/bin/sh", "-c", "echo hi | tr a-z A-Z")


def test_shell_quotes_every_placeholder_value() -> None:
    """A value from outside the scenario stays one word: it was inserted as shell syntax."""
    prepared = expand_command(
        command("echo ${word} > ${out}", "${word}", shell=True),
        lookup_from({"word": "a b; touch pwned $(id)", "out": "/tmp/x"}),
        "/",
        "x",
    )
    assert prepared.argv == (
        "/bin/sh",
        "-c",
        "echo 'a b; touch pwned $(id)' > /tmp/x",
        "a b; touch pwned $(id)",  # $0 is an argument, not shell text: left as it is
    )


def test_too_many_open_files_says_so() -> None:
    """It used to say 'check the command' when count: 10000 programs ran out of descriptors."""
    prepared = expand_command(command("true"), lookup_from({}), "/", "x")
    message = spawn_error(OSError(errno.EMFILE, "Too many open files"), prepared, "client 'c'")
    assert message.startswith("client 'c': cannot start true: too many open files (the limit is ")
    assert "check the command" not in message
    assert "ulimit -n" in message


def _missing(prepared: PreparedCommand) -> OSError:
    return FileNotFoundError(errno.ENOENT, "No such file or directory", prepared.argv[0])


def test_a_script_whose_interpreter_is_missing_names_the_interpreter(tmp_path: Path) -> None:
    """exec reports ENOENT for a missing #! interpreter; saying the script is missing misled."""
    script = tmp_path / "serve.sh"
    script.write_bytes(b"#!/no/such/interp -x\necho hi\n")
    prepared = expand_command(command("./serve.sh"), lookup_from({}), str(tmp_path), "x")
    message = spawn_error(_missing(prepared), prepared, "server 'app'")
    assert "starts with #!/no/such/interp -x, and that interpreter was not found" in message
    assert "no such file or directory" not in message


def test_a_script_found_on_path_with_a_missing_interpreter(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "serve"
    script.write_bytes(b"#!/no/such/interp\n")
    script.chmod(0o755)
    cmd = command("serve", env={"PATH": str(tmp_path / "bin")})
    prepared = expand_command(cmd, lookup_from({}), str(tmp_path), "x")
    assert "#!/no/such/interp" in spawn_error(_missing(prepared), prepared, "server 'app'")


def test_a_script_with_windows_line_endings_says_so(tmp_path: Path) -> None:
    (tmp_path / "serve.sh").write_bytes(b"#!/bin/sh\r\necho hi\r\n")
    prepared = expand_command(command("./serve.sh"), lookup_from({}), str(tmp_path), "x")
    message = spawn_error(_missing(prepared), prepared, "server 'app'")
    assert "Windows line endings" in message
    assert "dos2unix" in message


def test_a_missing_program_is_still_named_missing(tmp_path: Path) -> None:
    prepared = expand_command(command("./nope.sh"), lookup_from({}), str(tmp_path), "x")
    message = spawn_error(_missing(prepared), prepared, "server 'app'")
    assert "no such file or directory: './nope.sh' (looked relative to the working directory" in (
        message
    )


def test_display_quotes_arguments_like_a_shell() -> None:
    prepared = expand_command(command("echo", "two words"), lookup_from({}), "/", "x")
    assert prepared.display == "echo 'two words'"


def test_an_unknown_placeholder_is_a_setup_error_at_the_command() -> None:
    with pytest.raises(SetupError) as info:
        expand_command(command("serve", "${nope.port}"), lookup_from({}), "/", "server 'app'")
    assert info.value.location == LOC
    assert "server 'app'" in info.value.message
    assert "${nope.port}" in info.value.message


def test_an_unknown_placeholder_in_env_names_the_variable() -> None:
    with pytest.raises(SetupError, match="env TOKEN"):
        expand_command(command("serve", env={"TOKEN": "${env.NOPE}"}), lookup_from({}), "/", "x")


def test_an_empty_program_is_a_setup_error() -> None:
    with pytest.raises(SetupError, match="command is empty"):
        expand_command(command("${empty}"), lookup_from({"empty": ""}), "/", "x")


# --------------------------------------------------------------------------- statuses


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "exit status 0"),
        (3, "exit status 3"),
        (-signal.SIGKILL, "signal SIGKILL (9)"),
        (-signal.SIGTERM, "signal SIGTERM (15)"),
    ],
)
def test_describe_status(code: int, text: str) -> None:
    assert describe_status(code) == text


# --------------------------------------------------------------------------- tails


def test_output_tail_keeps_the_last_bytes_and_counts_the_rest() -> None:
    tail = OutputTail(limit=10)
    tail.append(b"0123456789")
    tail.append(b"abcde")
    assert tail.data == b"56789abcde"
    assert tail.dropped == 5


@given(st.lists(st.binary(max_size=40), max_size=30), st.integers(min_value=1, max_value=64))
def test_output_tail_is_the_suffix_of_everything_written(chunks: list[bytes], limit: int) -> None:
    tail = OutputTail(limit)
    for chunk in chunks:
        tail.append(chunk)
    everything = b"".join(chunks)
    assert tail.data == everything[-limit:] if everything else tail.data == b""
    assert tail.dropped + len(tail.data) == len(everything)


def test_capture_transcript_is_bounded_but_the_tail_is_complete() -> None:
    capture = Capture("app", 0.0, clock=lambda: 0.0)
    chunk = b"x" * 1000 + b"\n"
    for _ in range(200):
        capture.add("stdout", chunk)
    recorded = sum(len(e.data) for e in capture.transcript if e.kind == "stdout")
    assert recorded <= 64 * 1024
    assert any(
        e.kind == "note" and "left out of the transcript" in e.note for e in capture.transcript
    )
    assert capture.tails["stdout"].dropped == 200 * len(chunk) - 64 * 1024


def test_capture_tail_lines_quote_both_streams() -> None:
    capture = Capture("app", 0.0, clock=lambda: 0.0)
    capture.add("stdout", b"one\ntwo\n")
    capture.add("stderr", b"Traceback\nValueError: bad\n")
    assert capture.tail_lines() == [
        "stdout:",
        "  | one",
        "  | two",
        "stderr:",
        "  | Traceback",
        "  | ValueError: bad",
    ]


def test_capture_shows_nothing_when_nothing_was_printed() -> None:
    assert Capture("app", 0.0, clock=lambda: 0.0).tail_lines() == []


# --------------------------------------------------------------------------- readiness lines


def test_line_watch_matches_a_line_split_across_chunks() -> None:
    watch = LineWatch(re.compile(r"Listening on \d+"))
    assert not watch.feed(b"starting\nListen")
    assert not watch.feed(b"ing on 80")
    assert watch.feed(b"80\n")
    assert watch.matched == "Listening on 8080"


def test_line_watch_waits_for_the_end_of_the_line() -> None:
    # "port 80" must not match while "8080" may still be on its way.
    watch = LineWatch(re.compile(r"port 80$"))
    assert not watch.feed(b"port 80")
    assert not watch.feed(b"80\n")


def test_line_watch_tests_the_last_line_at_end_of_output() -> None:
    watch = LineWatch(re.compile("ready"))
    assert not watch.feed(b"ready")
    assert watch.finish()


def test_line_watch_strips_carriage_returns_and_decodes_leniently() -> None:
    watch = LineWatch(re.compile(r"^ok$"))
    assert watch.feed(b"\xff\xfe\r\nok\r\n")


def test_line_watch_memory_is_bounded_on_a_line_without_end() -> None:
    watch = LineWatch(re.compile("never"))
    for _ in range(100):
        watch.feed(b"x" * 4096)
    assert len(watch._pending) <= 64 * 1024 + 4096


@given(st.data())
def test_line_watch_finds_the_line_however_the_output_is_cut(data: st.DataObject) -> None:
    output = b"boot\nloading config\nserver Listening on 127.0.0.1:5000\nmore\n"
    cuts = sorted(
        data.draw(st.sets(st.integers(min_value=1, max_value=len(output) - 1), max_size=10))
    )
    pieces = [output[a:b] for a, b in zip([0, *cuts], [*cuts, len(output)], strict=True)]
    watch = LineWatch(re.compile(r"Listening on [\d.]+:(\d+)"))
    seen = [watch.feed(p) for p in pieces]
    assert any(seen)
    assert watch.matched == "server Listening on 127.0.0.1:5000"


# --------------------------------------------------------------------------- describe_ready


def test_describe_ready_names_every_stream_address() -> None:
    addresses = [
        Address("tcp", "127.0.0.1", 4000),
        Address("udp", "127.0.0.1", 4001),
        Address("unix", path="/tmp/x.sock"),
    ]
    assert (
        describe_ready(Ready("connect"), addresses, None)
        == "connect to tcp://127.0.0.1:4000 and unix:/tmp/x.sock"
    )


def test_describe_ready_for_output_path_and_delay() -> None:
    assert (
        describe_ready(Ready("stdout", pattern="Listening"), [], None)
        == "a line on stdout matching /Listening/"
    )
    assert describe_ready(Ready("path", path=parse_template("x")), [], "/d/x") == "/d/x exists"
    assert describe_ready(Ready("delay", delay=0.3), [], None) == "delay 300ms"


# --------------------------------------------------------------------------- output checks


def _none(ref: object) -> str:
    raise AssertionError("no lookup expected")


def test_regex_is_searched_anywhere_in_the_output() -> None:
    matcher = Regex(pattern=parse_template("PONG"), compiled=re.compile(b"PONG"))
    assert check_output(matcher, b"PONG\n", _none) is None
    assert check_output(matcher, b"PING\n", _none) == "no part of the output matches the regex"


def test_exact_compares_the_whole_output() -> None:
    assert check_output(Exact(payload=text_payload("hi\n")), b"hi\n", _none) is None
    assert check_output(Exact(payload=text_payload("hi\n")), b"hi\nthere\n", _none) is not None


def test_contains_json_and_length_judge_the_whole_output() -> None:
    assert check_output(Contains(needle=text_payload("lo w")), b"hello world", _none) is None
    assert check_output(JsonSubset(value={"ok": True}), b'{"ok": true, "n": 1}\n', _none) is None
    reason = check_output(JsonSubset(value={"ok": True}), b'{"ok": false}', _none)
    assert reason is not None
    assert "$.ok" in reason
    assert check_output(Length(length=3), b"abc", _none) is None
