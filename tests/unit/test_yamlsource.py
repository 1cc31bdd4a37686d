"""yamlsource: YAML text -> plain values, with the position of every key and value."""

from __future__ import annotations

import datetime

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sockscen import yamlsource
from sockscen.errors import Location
from sockscen.yamlsource import parse


def loc(line: int, col: int) -> Location:
    return Location("f.yaml", line, col)


def test_values_are_plain_python() -> None:
    """Mappings, lists and the safe scalar types come back as dict/list/str/int/float/bool/None."""
    docs, problems = parse("a: 1\nb: 1.5\nc: [x, true, null]\nd: {e: 'f'}\n", "f.yaml")
    assert problems == []
    assert [d.value for d in docs] == [{"a": 1, "b": 1.5, "c": ["x", True, None], "d": {"e": "f"}}]


def test_marks_give_key_and_value_positions() -> None:
    """Every JSON path has the 1-based line:col of its key and of its value."""
    text = "name: x\nclients:\n  alice:\n    steps:\n      - send: hi\n"
    (doc,), _ = parse(text, "f.yaml")
    marks = doc.marks
    assert loc(5, 9) == marks.key(("clients", "alice", "steps", 0, "send"))
    assert loc(5, 15) == marks.value(("clients", "alice", "steps", 0, "send"))
    assert loc(5, 9) == marks.value(("clients", "alice", "steps", 0))
    assert loc(3, 3) == marks.key(("clients", "alice"))
    assert loc(1, 1) == marks.value(())


def test_unknown_path_falls_back_to_nearest_ancestor() -> None:
    """A path the table lacks (a missing key) is placed at its closest existing parent."""
    (doc,), _ = parse("a:\n  b: 1\n", "f.yaml")
    assert loc(2, 3) == doc.marks.value(("a", "missing", "deeper"))
    assert loc(2, 3) == doc.marks.key(("a", "missing"))


def test_duplicate_key_is_a_problem_at_the_second_key() -> None:
    """PyYAML would keep the last value silently; we name both lines and keep the first."""
    (doc,), problems = parse("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert problems == []
    assert [str(p) for p in doc.problems] == [
        "f.yaml:3:1: error: duplicate key 'a' (first defined on line 1) "
        "(YAML would silently keep only the last one; remove or rename one)"
    ]
    assert doc.value == {"a": 1, "b": 2}


def test_yes_no_on_off_read_as_booleans_but_keys_stay_text() -> None:
    """YAML 1.1 booleans are kept (the schema layer explains them), keys stay as written."""
    (doc,), _ = parse("on: yes\n1: off\n", "f.yaml")
    assert doc.value == {"on": True, "1": False}


def test_timestamps_stay_text() -> None:
    """Dates are not part of the language: the text the user wrote is kept."""
    (doc,), _ = parse("name: 2024-01-02\n", "f.yaml")
    assert doc.value == {"name": "2024-01-02"}
    assert not isinstance(doc.value["name"], datetime.date)


def test_multiple_documents_and_empty_ones_skipped() -> None:
    """Each document is separate; empty documents (a trailing ---) are skipped, indexes kept."""
    docs, problems = parse("a: 1\n---\n---\nb: 2\n---\n", "f.yaml")
    assert problems == []
    assert [(d.index, d.value) for d in docs] == [(0, {"a": 1}), (2, {"b": 2})]
    assert loc(4, 1) == docs[1].marks.value(())


def test_comment_only_text_has_no_documents() -> None:
    assert parse("# nothing here\n", "f.yaml") == ([], [])


def test_syntax_error_is_one_located_problem() -> None:
    """A YAML syntax error becomes a problem at PyYAML's problem mark, on one line."""
    docs, problems = parse("a: b: c\n", "f.yaml")
    assert docs == []
    assert [str(p) for p in problems] == [
        "f.yaml:1:5: error: invalid YAML: mapping values are not allowed in this context"
    ]


def test_tab_indentation_gets_a_hint() -> None:
    _, problems = parse("a:\n\tb: 1\n", "f.yaml")
    assert len(problems) == 1
    assert loc(2, 1) == problems[0].location
    assert problems[0].hint == "indent with spaces; YAML does not allow tabs there"


def test_python_tags_are_refused() -> None:
    """The safe loader never builds Python objects; the tag becomes a problem."""
    (doc,), _ = parse("x: !!python/object/apply:os.system [echo]\n", "f.yaml")
    assert doc.value == {"x": None}
    assert len(doc.problems) == 1
    assert "unsupported YAML tag '!!python/object/apply:os.system'" in doc.problems[0].message
    assert loc(1, 4) == doc.problems[0].location


def test_binary_tag_suggests_base64() -> None:
    (doc,), _ = parse("x: !!binary aGk=\n", "f.yaml")
    assert doc.problems[0].hint == "write the bytes as {base64: ...}"


def test_non_mapping_document_is_a_problem() -> None:
    (doc,), _ = parse("- a\n- b\n", "f.yaml")
    assert [p.message for p in doc.problems] == [
        "a scenario must be a mapping with keys such as name:, servers: and clients:, not a list"
    ]


def test_merge_keys_and_aliases() -> None:
    """`<<: *base` merges keys; explicit keys win; merged values point at the anchor."""
    text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n"
    (doc,), problems = parse(text, "f.yaml")
    assert problems == []
    assert doc.problems == []
    assert doc.value["m"] == {"x": 1, "y": 3}
    assert loc(1, 11) == doc.marks.key(("m", "x"))
    assert loc(4, 3) == doc.marks.key(("m", "y"))


def test_recursive_alias_is_a_problem() -> None:
    (doc,), problems = parse("&a [*a]\n", "f.yaml")
    assert problems == []
    assert doc.problems[0].message == "a YAML alias refers to a node that contains it"


def test_alias_bomb_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exponential alias expansion stops with a problem instead of eating memory."""
    monkeypatch.setattr(yamlsource, "MAX_NODES", 1000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    docs, problems = parse("\n".join(lines) + "\n", "f.yaml")
    assert docs == []
    assert "more than" in problems[0].message


def test_control_character_is_a_problem() -> None:
    _, problems = parse('a: "x\x07"\n', "f.yaml")
    assert len(problems) == 1
    assert problems[0].location is not None
    assert problems[0].location.line == 1


def test_uses_the_c_loader_when_available() -> None:
    """The C loader is ~9x faster; it is used whenever PyYAML was built with it."""
    expected = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert yamlsource.LOADER is expected


@pytest.mark.parametrize("text", ["", "\n", "---\n", "--- \n...\n"])
def test_empty_inputs(text: str) -> None:
    assert parse(text, "f.yaml") == ([], [])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    """Whatever the text, parse returns documents and problems; it never raises."""
    docs, problems = parse(text, "f.yaml")
    for p in problems:
        assert p.location is not None
        assert p.location.line >= 1
        assert p.location.col >= 1
    for d in docs:
        assert d.marks.value(()).line >= 1


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.floats(allow_nan=False)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), yaml_values, max_size=5))
def test_round_trip_of_dumped_mappings(value: dict[str, object]) -> None:
    """Whatever yaml.safe_dump writes, parse reads back equal, with a mark for every path."""
    text = yaml.safe_dump(value)
    (doc,), problems = parse(text, "f.yaml")
    assert problems == []
    assert doc.problems == []
    assert value == doc.value

    def paths(v: object, at: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
        out = [at]
        if isinstance(v, dict):
            for k, x in v.items():
                out += paths(x, (*at, k))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                out += paths(x, (*at, i))
        return out

    for p in paths(value, ()):
        assert p in doc.marks.entries
