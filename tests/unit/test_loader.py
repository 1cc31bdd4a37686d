# ruff: noqa: E501  (exact messages read best one per line)
"""loader: discovery, reading files, and one ConfigError holding every problem of every file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sockscen import loader
from sockscen.errors import ConfigError
from sockscen.loader import discover, display_path, load_file, load_paths, load_text

GOOD = "name: {name}\nclients: {{c: {{connect: 'tcp://127.0.0.1:7', steps: [{{send: hi}}]}}}}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discover_walks_directories_sorted_and_skips_hidden(tmp_path: Path) -> None:
    write(tmp_path / "b.yaml", GOOD.format(name="b"))
    write(tmp_path / "a.yml", GOOD.format(name="a"))
    write(tmp_path / "sub" / "c.yaml", GOOD.format(name="c"))
    write(tmp_path / ".hidden" / "d.yaml", GOOD.format(name="d"))
    write(tmp_path / "notes.txt", "not a scenario")
    found = discover([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.yml", "b.yaml", "sub/c.yaml"]


def test_discover_takes_files_as_given_and_drops_duplicates(tmp_path: Path) -> None:
    odd = write(tmp_path / "scenario.txt", GOOD.format(name="x"))
    other = write(tmp_path / "z.yaml", GOOD.format(name="z"))
    assert discover([odd, other, odd]) == [odd, other]


def test_discover_reports_every_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        discover([tmp_path / "nope", tmp_path, "also/missing.yaml"])
    assert sorted(str(p) for p in info.value.problems) == sorted(
        [
            f"error: {tmp_path / 'nope'}: no such file or directory",
            "error: also/missing.yaml: no such file or directory",
        ]
    )


def test_load_file_multi_document(tmp_path: Path) -> None:
    """Every document is a scenario, in file order, with its own location."""
    path = write(tmp_path / "two.yaml", GOOD.format(name="one") + "---\n" + GOOD.format(name="two"))
    scenarios = load_file(path)
    assert [s.name for s in scenarios] == ["one", "two"]
    assert [s.location.line for s in scenarios] == [1, 4]
    assert {s.directory for s in scenarios} == {str(tmp_path)}


def test_display_path_relative_under_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "dir" / "s.yaml", GOOD.format(name="s"))
    monkeypatch.chdir(tmp_path)
    assert display_path(path) == os.path.join("dir", "s.yaml")
    (scenario,) = load_paths(["dir"])
    assert scenario.path == os.path.join("dir", "s.yaml")
    assert scenario.id == os.path.join("dir", "s.yaml") + "::s"
    monkeypatch.chdir(tmp_path / "dir")
    elsewhere = write(tmp_path / "other" / "o.yaml", GOOD.format(name="o"))
    assert display_path(elsewhere) == str(elsewhere)


def test_all_problems_of_all_files_at_once_sorted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run shows every problem of every file, sorted by file, line and column."""
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "s" / "b.yaml",
        "name: b\nclients: {c: {connect: 'tcp://127.0.0.1:7', steps: [sned]}}\nextra: 1\n",
    )
    write(
        tmp_path / "s" / "a.yaml",
        "name: a\nclients: {c: {connect: 'tcp://localhost', steps: []}}\n",
    )
    write(tmp_path / "s" / "c.yaml", GOOD.format(name="fine"))
    write(tmp_path / "s" / "d.yaml", "name: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        load_paths(["s", "missing.yaml"])
    assert [str(p) for p in info.value.problems] == [
        "error: missing.yaml: no such file or directory",
        "s/a.yaml:2:24: error: 'tcp://localhost' needs a host and a port: tcp://127.0.0.1:8080",
        's/b.yaml:2:53: error: expected one of "close", "shutdown", "abort", "expect_eof" or '
        "\"expect_reset\", got the string 'sned' (did you mean 'send: ...'?)",
        "s/b.yaml:3:1: error: unknown key 'extra' in scenario (valid keys: name, description, tags, "
        "timeout, mock, vars, files, servers, clients, proxies)",
        "s/d.yaml:2:1: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence on line 1)",
    ]


def test_not_utf8_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin.yaml").write_bytes(b"name: x\nclients: \xff\n")
    with pytest.raises(ConfigError) as info:
        load_paths(["bin.yaml"])
    assert [str(p) for p in info.value.problems] == [
        "bin.yaml:2:10: error: the file is not UTF-8 text (byte 0xff) (save it as UTF-8)"
    ]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.format(name="bom").encode())
    assert [s.name for s in load_file(path)] == ["bom"]


def test_unreadable_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "locked.yaml", GOOD.format(name="x"))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file")
        with pytest.raises(ConfigError) as info:
            load_paths(["locked.yaml"])
        assert [str(p) for p in info.value.problems] == [
            "error: locked.yaml: cannot read the file: Permission denied"
        ]
    finally:
        path.chmod(0o644)


def test_empty_file_has_no_scenarios(tmp_path: Path) -> None:
    assert load_file(write(tmp_path / "empty.yaml", "# only a comment\n")) == []


def test_schema_problems_stop_building_but_other_documents_still_checked() -> None:
    """Problems from all documents are reported, including semantic ones of valid documents."""
    text = (
        "name: one\nclients: {c: {connect: 'tcp://127.0.0.1:7', stepz: []}}\n"
        "---\n"
        "name: two\nclients: {c: {connect: 'tcp://127.0.0.1:7', steps: [{send: '${nope}'}]}}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_text(text, "m.yaml", "/nonexistent", environ={})
    assert [(p.location.line if p.location else 0) for p in info.value.problems] == [2, 5]


def test_load_text_returns_scenarios() -> None:
    scenarios = load_text(GOOD.format(name="t"), "t.yaml", "/somewhere")
    assert [(s.name, s.path, s.directory) for s in scenarios] == [("t", "t.yaml", "/somewhere")]


def test_loading_many_files_keeps_file_order(tmp_path: Path) -> None:
    """Hundreds of files load in file order (speed is bench/many_scenarios.py's job)."""
    text = (
        "name: echo {i}\n"
        "clients:\n"
        "  c:\n"
        "    connect: tcp://127.0.0.1:1\n"
        "    framing: line\n"
        "    steps: [{{send: hello}}, {{expect: {{json: {{a: 1}}}}}}, close]\n"
    )
    for i in range(300):
        write(tmp_path / f"s{i:04d}.yaml", text.format(i=i))
    scenarios = load_paths([tmp_path])
    assert [f"echo {i}" for i in range(300)] == [s.name for s in scenarios]


def test_loader_exports() -> None:
    """The names other layers import exist with the documented shapes."""
    assert callable(loader.load_paths)
    assert callable(loader.load_file)
    assert callable(loader.load_text)
    assert callable(loader.discover)


def test_a_bad_byte_after_a_bom_is_placed_in_the_text(tmp_path: Path) -> None:
    """The BOM is not counted: the bad byte's line and (character) column are the text's."""
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: caf\xc3\xa9\nx: \xff\n")
    with pytest.raises(ConfigError) as info:
        load_paths([path])
    (problem,) = info.value.problems
    assert problem.location is not None
    assert (problem.location.line, problem.location.col) == (2, 4)
    assert problem.message == "the file is not UTF-8 text (byte 0xff)"
