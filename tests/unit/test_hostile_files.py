"""Hostile scenario files: each is one located problem, in bounded time and memory.

Found by feeding ``sockscen validate`` and ``sockscen run`` files built to
exhaust the machine (aliases of long strings, repeated hex, placeholder
bombs, regexes that explode when compiled).  Each test checks the sentence
users see; the heavy ones also check the peak memory of a fresh process.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sockscen.errors import ConfigError
from sockscen.loader import load_text
from sockscen.payloads.hexdigits import HexSyntaxError, parse_hex

#: Peak memory a fresh ``python -m sockscen validate`` may reach on a hostile file
#: (an idle one is ~40 MB; the bugs these tests pin down reached 4 to 12 GB).
PEAK_BYTES = 400 * 1024 * 1024

STREAM_HEAD = (
    "servers:\n  s:\n    listen: tcp://127.0.0.1:0\n    handle:\n"
    "      - expect: {any: true}\nclients:\n  c:\n    connect: ${s.url}\n    steps:\n"
)


def problems_of(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, "x.yaml", str(tmp_path))
    return [str(p) for p in info.value.problems]


def validate_bounded(path: Path) -> subprocess.CompletedProcess[str]:
    """``sockscen validate PATH`` in a process whose address space is capped."""

    def cap() -> None:  # pragma: no cover - runs in the child
        limit = 2 * PEAK_BYTES + 512 * 1024 * 1024  # room for the interpreter's mappings
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "sockscen", "validate", "--no-cache", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
    )


def test_aliases_of_a_long_string_are_refused_at_the_string(tmp_path: Path) -> None:
    """3,000 aliases of a 1 MB string in one send took 6 GB and never ended."""
    big = "x" * 1_000_000
    text = f"name: x\nvars:\n  big: &b {big}\n" + STREAM_HEAD
    text += "      - send: [" + ", ".join(["*b"] * 3000) + "]\n"
    path = tmp_path / "aliases.yaml"
    path.write_text(text)
    done = validate_bounded(path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        "aliases.yaml:3:8: error: this file expands to more than 64 MiB of text: this value "
        "comes back through YAML aliases too many times (repeat long text with fewer aliases, "
        "or load large payloads with file:)"
    )
    assert "Traceback" not in done.stdout + done.stderr


def test_text_repeated_by_aliases_within_the_bound_still_loads(tmp_path: Path) -> None:
    text = "name: x\nvars:\n  big: &b " + "x" * 100_000 + "\n" + STREAM_HEAD
    text += "      - send: [" + ", ".join(["*b"] * 100) + "]\n"
    (scenario,) = load_text(text, "x.yaml", str(tmp_path))
    assert scenario.name == "x"


def test_hex_repeats_adding_up_past_256_mib_are_refused_before_they_are_made(
    tmp_path: Path,
) -> None:
    """Forty 00*268435456 in one send took 12 GB at validate and never ended."""
    text = "name: x\n" + STREAM_HEAD
    text += '      - send: {hex: "' + " ".join(["00*268435456"] * 40) + '"}\n'
    path = tmp_path / "hex.yaml"
    path.write_text(text)
    done = validate_bounded(path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        "hex.yaml:11:21: error: the hex values of this scenario stand for more than 268435456 "
        "bytes (256 MiB) together (XX*N repeats) (send large data from a file: payload)"
    )


def test_hex_repeats_are_summed_over_the_whole_scenario(tmp_path: Path) -> None:
    """One hex each, under the bound, but many of them: still refused, at the one that crossed."""
    text = "name: x\n" + STREAM_HEAD
    text += "".join(f'      - send: {{hex: "00*{100 * 1024 * 1024}"}}\n' for _ in range(3))
    assert problems_of(text, tmp_path) == [
        "x.yaml:13:21: error: the hex values of this scenario stand for more than 268435456 "
        "bytes (256 MiB) together (XX*N repeats) (send large data from a file: payload)"
    ]


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(n:0)", "a capture (n:0) must take between 1 and 268435456 bytes"),
        ("(n:268435457)", "a capture (n:268435457) must take between 1 and 268435456 bytes"),
        # 5,000 digits: more than int() takes (it raised ValueError, an internal error).
        ("(n:" + "9" * 5000 + ")", "a capture (n:" + "9" * 5000),
        ("00*" + "9" * 5000, "the hex values of this scenario stand for more than 268435456"),
        ("00*268435456 01", "the hex values of this scenario stand for more than 268435456"),
    ],
)
def test_hex_counts_out_of_bounds_are_located_problems(
    tmp_path: Path, pattern: str, problem: str
) -> None:
    text = "name: x\n" + STREAM_HEAD + f'      - expect: {{hex: "?? {pattern}"}}\n'
    text = text.replace("      - expect: {any: true}\n", "      - send: x\n", 1)
    (found,) = problems_of(text, tmp_path)
    assert found.startswith("x.yaml:11:23: error: " + problem[:100])


def test_vars_that_multiply_each_other_are_refused_at_the_first_too_large(
    tmp_path: Path,
) -> None:
    """Eleven vars, each ten of the one before, made a terabyte when a step sent the last."""
    lines = ["  a0: xxxxxxxxxx"] + [
        f'  a{i}: "' + ("${a" + str(i - 1) + "}") * 10 + '"' for i in range(1, 12)
    ]
    text = "name: x\nvars:\n" + "\n".join(lines) + "\n" + STREAM_HEAD + '      - send: "${a11}"\n'
    assert problems_of(text, tmp_path) == [
        "x.yaml:11:7: error: ${a8} expands to more than 268435456 characters (256 MiB): vars "
        "that repeat other vars multiply their size (repeat text a few times, not vars of vars "
        "of vars)"
    ]


def test_a_long_chain_of_vars_is_refused_before_it_overflows_the_stack(tmp_path: Path) -> None:
    """5,000 vars each using the one before ended the run with an internal RecursionError."""
    lines = ["  a0: x"] + [f'  a{i}: "${{a{i - 1}}}"' for i in range(1, 5000)]
    text = "name: x\nvars:\n" + "\n".join(lines) + "\n" + STREAM_HEAD
    text += '      - send: "${a4999}"\n'
    assert problems_of(text, tmp_path) == [
        "x.yaml:53:8: error: ${a50} goes through more than 50 vars, each using the next "
        "(let a var use the text it needs directly)"
    ]


def test_fifty_vars_deep_still_load(tmp_path: Path) -> None:
    lines = ["  a0: x"] + [f'  a{i}: "${{a{i - 1}}}"' for i in range(1, 50)]
    text = "name: x\nvars:\n" + "\n".join(lines) + "\n" + STREAM_HEAD
    (scenario,) = load_text(text + '      - send: "${a49}"\n', "x.yaml", str(tmp_path))
    assert len(scenario.vars) == 50


def test_one_hex_text_is_bounded_by_itself_too() -> None:
    """The bound holds for a hex read on its own (a placeholder's value, at run time)."""
    with pytest.raises(HexSyntaxError) as info:
        parse_hex("00*268435456 01")
    assert str(info.value) == (
        "this hex stands for more than 268435456 bytes (256 MiB); "
        "send large data from a file: payload"
    )
    with pytest.raises(HexSyntaxError, match=r"^a repeat \*9{5000} must be between 1 and"):
        parse_hex("00*" + "9" * 5000)


def regex_problems(pattern: str, tmp_path: Path) -> list[str]:
    escaped = pattern.replace("\\", "\\\\")
    text = (
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps:\n"
        f'      - expect: {{regex: "{escaped}"}}\n'
    )
    return problems_of(text, tmp_path)


def test_a_regex_whose_repeats_multiply_is_refused_before_it_is_compiled(tmp_path: Path) -> None:
    """((a{1000}){1000}){1000} took 4 GB in the matching engine's compiler: an internal error."""
    path = tmp_path / "regex.yaml"
    path.write_text(
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps:\n"
        '      - expect: {regex: "((a{1000}){1000}){1000}"}\n'
    )
    done = validate_bounded(path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        "regex.yaml:6:25: error: invalid regex: too large: its repeats unrolled make more than "
        "200000 items (nested counts such as (a{1000}){1000} multiply); use * or + for long runs"
    )


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        # re raised OverflowError, which no caller expected: an internal error, exit 3.
        ("a{4294967295}", "invalid regex: the repetition number is too large"),
        # 500 nested groups overflowed re's recursive parser: "a bug in sockscen's limits".
        ("(?:" * 500 + "a" + ")" * 500, "invalid regex: groups nested 500 deep, more than 100"),
    ],
)
def test_regexes_re_cannot_take_are_located_problems(
    tmp_path: Path, pattern: str, problem: str
) -> None:
    assert regex_problems(pattern, tmp_path) == [f"x.yaml:6:25: error: {problem}"]


@pytest.mark.parametrize(
    "pattern",
    [
        "a{65535}",
        r"(?:\d{1,3}\.){3}\d{1,3}",
        "((a{100}){100}){20}",
        "[(](((x)))",
        r"\((a)\)",
        "(?:" * 100 + "a" + ")" * 100,
    ],
)
def test_regexes_within_the_bounds_load(tmp_path: Path, pattern: str) -> None:
    escaped = pattern.replace("\\", "\\\\")
    text = (
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps:\n"
        f'      - expect: {{regex: "{escaped}"}}\n'
    )
    (scenario,) = load_text(text, "x.yaml", str(tmp_path))
    assert scenario.name == "x"


def test_a_ready_regex_is_held_to_the_same_bounds(tmp_path: Path) -> None:
    text = (
        "name: x\nservers:\n  app:\n    command: [sleep, '5']\n"
        '    ready: {stdout: "(x{1000}){1000}"}\n'
        "clients:\n  c:\n    steps: [{sleep: 0}]\n"
    )
    (problem,) = problems_of(text, tmp_path)
    assert problem.startswith("x.yaml:5:21: error: invalid regex: too large: its repeats")


def test_payload_parts_adding_up_past_256_mib_are_refused(tmp_path: Path) -> None:
    """Fifty parts naming one 200 MB file were each fine, and joined into 10 GB at run time."""
    with (tmp_path / "big.bin").open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no disk used
    text = "name: x\n" + STREAM_HEAD + "      - send: [{file: big.bin}, {file: big.bin}]\n"
    assert problems_of(text, tmp_path) == [
        "x.yaml:11:15: error: this payload's parts add up to 419430400 bytes, more than the "
        "256 MiB one payload may have (send it in several steps)"
    ]


def test_a_file_over_16_mib_is_refused_at_its_first_line_without_being_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.write(b"name: x\n")
        f.truncate(30_000_000)
    done = validate_bounded(path)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        "huge.yaml:1:1: error: the file has 30000000 bytes, more than the 16 MiB a scenario "
        "file may have (split it into several files, or load large payloads with file:)"
    )


def test_a_name_in_another_script_is_told_which_letters_names_take(tmp_path: Path) -> None:
    """'uses letters' read as a contradiction for сервер, which is all letters."""
    text = (
        "name: x\nservers:\n  сервер:\n    listen: tcp://127.0.0.1:0\n    handle: [close]\n"
        "clients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps: [expect_eof]\n"
    )
    assert problems_of(text, tmp_path) == [
        "x.yaml:3:3: error: invalid name 'сервер': an actor name uses ASCII letters, digits, _ "
        "and -, starts with a letter or _, and is not env or tmp"
    ]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            r"a\nb\x1b[31m",
            "the scenario name 'a\\nb\\x1b[31m' holds the control character '\\n', which "
            "reports and pytest node ids would print as it is (use plain text and spaces)",
        ),
        (
            r"a\0b",
            "the scenario name 'a\\x00b' holds the control character '\\x00', which reports "
            "and pytest node ids would print as it is (use plain text and spaces)",
        ),
        (
            r"pay \u202e 001",
            "the scenario name 'pay \\u202e 001' holds the control character '\\u202e', which "
            "reports and pytest node ids would print as it is (use plain text and spaces)",
        ),
        (
            "   ",
            "the scenario name is blank: reports and -k would show nothing "
            "(name what the scenario checks)",
        ),
    ],
)
def test_names_pytest_would_print_raw_are_refused(tmp_path: Path, name: str, problem: str) -> None:
    """Under pytest a newline split the node id and an escape sequence recoloured the terminal."""
    text = f'name: "{name}"\nclients:\n  c:\n    steps: [{{sleep: 0}}]\n'
    assert problems_of(text, tmp_path) == [f"x.yaml:1:7: error: {problem}"]


@pytest.mark.parametrize("name", ["Grüße, 名前 ✓", r"family \U0001F468\u200d\U0001F469"])
def test_names_in_any_script_and_emoji_are_fine(tmp_path: Path, name: str) -> None:
    text = f'name: "{name}"\nclients:\n  c:\n    steps: [{{sleep: 0}}]\n'
    (scenario,) = load_text(text, "x.yaml", str(tmp_path))
    assert scenario.name.startswith(name[:3])


FILES_TAIL = "clients:\n  c:\n    steps: [{sleep: 0}]\n"


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        # Written at run time: open() raised "embedded null byte", an internal error.
        (
            ['"a\\0b"'],
            "x.yaml:3:3: error: file 'a\\x00b' holds a NUL character: files: keys are paths "
            "inside ${tmp} (write a relative path such as conf/app.conf)",
        ),
        (
            ["n" * 256],
            f"x.yaml:3:3: error: file '{'n' * 256}' has a name longer than 255 bytes",
        ),
        # An explicit key (YAML caps implicit ones at 1,024 characters).
        (["? " + "a/" * 2100 + "b"], "x.yaml:3:5: error: file 'a/a/a/a/"),
        # The second silently replaced the first.
        (
            ["./a", "a"],
            "x.yaml:4:3: error: file 'a' is the same file as './a' "
            "(give each file a path of its own)",
        ),
        # The run failed with "File exists", or wrote a file over a folder's place.
        (
            ["a", "a/b"],
            "x.yaml:4:3: error: file 'a/b' needs 'a' to be a folder, but 'a' writes it as a "
            "file (give each file a path of its own)",
        ),
        (
            ["a/b/c", "a/b"],
            "x.yaml:4:3: error: file 'a/b' is a folder of 'a/b/c', so it cannot be written as "
            "a file (give each file a path of its own)",
        ),
    ],
)
def test_files_keys_that_cannot_all_be_written_are_refused_at_the_key(
    tmp_path: Path, keys: list[str], problem: str
) -> None:
    lines = (f"  {key}\n  : hi\n" if key.startswith("? ") else f"  {key}: hi\n" for key in keys)
    text = "name: x\nfiles:\n" + "".join(lines) + FILES_TAIL
    (found,) = problems_of(text, tmp_path)
    assert found.startswith(problem[:300])


def test_many_files_keys_are_checked_in_linear_time(tmp_path: Path) -> None:
    keys = "".join(f"  d{i % 100}/f{i}: hi\n" for i in range(20_000))
    started = time.process_time()
    (scenario,) = load_text("name: x\nfiles:\n" + keys + FILES_TAIL, "x.yaml", str(tmp_path))
    assert time.process_time() - started < 10
    assert len(scenario.files) == 20_000


@pytest.mark.parametrize("value", [".nan", "-.inf", "[1, .inf]"])
def test_json_without_a_json_form_is_refused(tmp_path: Path, value: str) -> None:
    """NaN and Infinity were sent as such: text no JSON parser takes."""
    text = "name: x\n" + STREAM_HEAD + f"      - send: {{json: {value}}}\n"
    (found,) = problems_of(text, tmp_path)
    assert "error: JSON has no " in found
    assert found.endswith(": only finite numbers (write a number or a string)")


def test_client_copies_are_bounded_for_the_whole_scenario(tmp_path: Path) -> None:
    """Twenty clients of count 100000 took 6 GB and ran far past the scenario's timeout."""
    clients = "".join(
        f"  c{i}:\n    connect: tcp://127.0.0.1:1\n    count: 60000\n    steps: [close]\n"
        for i in range(2)
    )
    assert problems_of(f"name: x\nclients:\n{clients}", tmp_path) == [
        "x.yaml:9:12: error: the clients of this scenario add up to 120000 copies, more than "
        "the 100000 one scenario may run at once (split the load over several scenarios)"
    ]


def test_a_json_matcher_may_still_expect_nan(tmp_path: Path) -> None:
    """Python's json writes NaN, so a peer may send it: only payloads refuse it."""
    text = (
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    framing: line\n"
        "    steps: [{expect: {json: [.nan]}}]\n"
    )
    (scenario,) = load_text(text, "x.yaml", str(tmp_path))
    assert scenario.name == "x"


def test_a_mistake_repeated_thousands_of_times_prints_a_hundred_lines_and_a_count(
    tmp_path: Path,
) -> None:
    """100,000 duplicate keys printed 100,000 lines."""
    text = "name: x\nvars:\n" + "  a: 1\n" * 5000 + "clients:\n  c:\n    steps: [{sleep: 0}]\n"
    found = problems_of(text, tmp_path)
    assert len(found) == 101
    assert found[0] == (
        "x.yaml:4:3: error: duplicate key 'a' (first defined on line 3) "
        "(YAML would silently keep only the last one; remove or rename one)"
    )
    assert found[-1] == (
        "x.yaml:104:3: error: 4899 more problems in this file are not shown (from here on) "
        "(fix the ones above first: the rest are often the same mistake again)"
    )


def validate_stdin(data: bytes | None, tmp_path: Path, *, endless: bool = False) -> str:
    """What ``sockscen validate -`` prints on stderr for *data* (or ``yes``'s endless output)."""
    command = [sys.executable, "-m", "sockscen", "validate", "--no-cache", "-"]
    if endless:
        with subprocess.Popen(["yes"], stdout=subprocess.PIPE) as producer:
            done = subprocess.run(
                command, stdin=producer.stdout, cwd=tmp_path, capture_output=True, timeout=60
            )
            producer.kill()
    else:
        done = subprocess.run(command, input=data, cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 2, done.stderr
    return done.stderr.decode()


def test_endless_standard_input_is_cut_at_16_mib(tmp_path: Path) -> None:
    """`yes | sockscen validate -` read until memory ran out (MemoryError, exit 3)."""
    assert validate_stdin(None, tmp_path, endless=True).splitlines()[0] == (
        "<stdin>:1:1: error: the input has more than the 16 MiB a scenario file may have "
        "(split it into several files, or load large payloads with file:)"
    )


def test_bytes_on_standard_input_that_are_not_utf8_are_named_as_such(tmp_path: Path) -> None:
    """They were read as lone surrogates: "the text holds a lone surrogate (\\udcff)"."""
    assert validate_stdin(b"name: caf\xe9\n", tmp_path).splitlines()[0] == (
        "<stdin>:1:10: error: the file is not UTF-8 text (byte 0xe9) (save it as UTF-8)"
    )
