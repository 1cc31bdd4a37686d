"""Transcripts as text and transcript files."""

from __future__ import annotations

from pathlib import Path

from sockscen.rendering import hexdump, hexdump_lines
from sockscen.reporting.transcript import (
    format_output,
    format_transcript,
    safe_file_name,
    tail_lines,
    write_transcript_dir,
)
from sockscen.results import ProcessOutput, TranscriptEntry

from . import reporting_samples as samples


def test_lines_show_relative_time_actor_direction_size_and_text() -> None:
    entries = [
        TranscriptEntry(0.100, "alice", "connected", note="127.0.0.1:4000"),
        TranscriptEntry(0.101, "alice", "sent", b"hello\n", 6),
        TranscriptEntry(0.150, "echo#1", "received", b"hello\n", 6),
        TranscriptEntry(0.160, "echo#1", "closed"),
    ]
    assert format_transcript(entries) == [
        "+0.000s  alice   -- connected: 127.0.0.1:4000",
        '+0.001s  alice   -> 6 bytes  "hello\\n"',
        '+0.050s  echo#1  <- 6 bytes  "hello\\n"',
        "+0.060s  echo#1  -- closed",
    ]


def test_since_sets_the_origin_and_actor_column_can_be_dropped() -> None:
    entries = [TranscriptEntry(0.25, "a", "received", b"ok", 2)]
    assert format_transcript(entries, since=0.0, show_actor=False) == ['+0.250s  <- 2 bytes  "ok"']
    assert format_transcript(entries, since=0.5, show_actor=False)[0].startswith("-0.250s")


def test_empty_transcript_has_no_lines() -> None:
    assert format_transcript([]) == []


def test_binary_payload_gets_a_hex_dump_under_it() -> None:
    entries = [TranscriptEntry(0.0, "c", "sent", b"\x00\x01ABC\xff", 6)]
    assert format_transcript(entries, show_actor=False) == [
        '+0.000s  -> 6 bytes  "\\x00\\x01ABC\\xff"',
        "         00000000  00 01 41 42 43 ff"
        + " " * 30  # hex column padded to the width of 16 bytes
        + "  |..ABC.|",
    ]


def test_long_text_is_elided_in_the_middle_with_the_count_skipped() -> None:
    data = b"a" * 150 + b"b" * 150
    (line,) = format_transcript(
        [TranscriptEntry(0.0, "c", "received", data, 300)], show_actor=False
    )
    assert line == (f'+0.000s  <- 300 bytes  "{"a" * 133}" ...(100 bytes)... "{"b" * 67}"')


def test_truncated_capture_is_said() -> None:
    entry = TranscriptEntry(0.0, "c", "received", b"abc", 100_000)
    assert format_transcript([entry], show_actor=False) == [
        '+0.000s  <- 100000 bytes  "abc"',
        "         (data cut at capture: kept the first 3 of 100000 bytes)",
    ]


def test_process_output_kinds_show_their_data_with_the_kind_as_label() -> None:
    entry = TranscriptEntry(1.5, "app", "stderr", b"oops\n", 5)
    assert format_transcript([entry], since=0.0) == ['+1.500s  app  stderr 5 bytes  "oops\\n"']


def test_hexdump_offsets_ascii_column_and_elision() -> None:
    assert hexdump_lines(b"hello, world!\x00\x01\x02x", offset=16) == [
        "00000010  68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 00 01 02  |hello, world!...|",
        "00000020  78" + " " * 45 + "  |x|",
    ]
    dump = hexdump(bytes(1000), limit=64)
    assert dump[0].startswith("00000000  00")
    assert dump[2] == "... 928 bytes skipped ..."
    assert dump[3].startswith("000003c0  ")
    assert len(dump) == 2 + 1 + 3
    assert hexdump(b"") == []


def test_output_tail_keeps_the_last_lines_and_says_what_is_missing() -> None:
    data = b"".join(b"line %d\n" % i for i in range(30))
    lines = tail_lines(data, dropped=500, max_lines=3)
    assert lines == [
        "(500 earlier bytes not kept, 27 earlier lines not shown)",
        "| line 27",
        "| line 28",
        "| line 29",
    ]
    assert tail_lines(b"\xffbad\r\n") == ["| \\xffbad\\x0d"]


def test_safe_file_names() -> None:
    assert safe_file_name("scenarios/echo.yaml--echo returns each line") == (
        "scenarios_echo.yaml--echo_returns_each_line"
    )
    assert safe_file_name("../../etc/passwd") == "etc_passwd"
    assert safe_file_name("???") == "scenario"
    assert len(safe_file_name("x" * 500)) == 100


def test_write_transcript_dir_writes_one_file_per_scenario(tmp_path: Path) -> None:
    twin = samples.wrong_bytes()
    twin.name = "echo returns each line?"  # same safe name as the original
    upper = samples.passing()
    upper.name = "ECHO SAYS HELLO"  # differs only in case: must not clash on macOS
    run = samples.run_of(samples.wrong_bytes(), twin, samples.passing(), upper)
    paths = write_transcript_dir(run, tmp_path / "out")
    assert [p.name for p in paths] == [
        "scenarios_echo.yaml--echo_returns_each_line.txt",
        "scenarios_echo.yaml--echo_returns_each_line-2.txt",
        "scenarios_echo.yaml--echo_says_hello.txt",
        "scenarios_echo.yaml--ECHO_SAYS_HELLO-2.txt",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    assert paths[0].read_text(encoding="utf-8") == (
        "scenario: echo returns each line\n"
        "file: scenarios/echo.yaml:12\n"
        "outcome: failed\n"
        "duration: 0.015s\n"
        "\n"
        '+0.000s  alice  -> 6 bytes  "hello\\n"\n'
        '+0.012s  alice  <- 6 bytes  "hallo\\n"\n'
    )


def test_transcript_file_includes_process_output(tmp_path: Path) -> None:
    (path,) = write_transcript_dir(samples.run_of(samples.process_exited()), tmp_path)
    text = path.read_text(encoding="utf-8")
    assert '+0.050s  c    -> 3 bytes  "\\xff\\xfe\\n"' in text
    assert "process app (python3 servers/echo_server.py --port 41234), pid 4242" in text
    assert "    | UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff\n" in text


def test_scenario_without_traffic_says_so(tmp_path: Path) -> None:
    (path,) = write_transcript_dir(samples.run_of(samples.skipped()), tmp_path)
    assert path.read_text(encoding="utf-8").endswith("\n(no traffic recorded)\n")


def test_a_very_long_output_line_is_cut_in_reports_and_whole_in_the_transcript_file() -> None:
    """A failing program printing one 64 KiB line filled the terminal with it."""
    output = ProcessOutput(("app",), 1, b"x" * 5000 + b"\nshort\n", b"")
    shown = format_output("app", output, max_width=100)
    assert "    | " + "x" * 100 + "... (4900 more characters)" in shown
    assert "    | short" in shown
    whole = format_output("app", output, max_width=None)
    assert "    | " + "x" * 5000 in whole
