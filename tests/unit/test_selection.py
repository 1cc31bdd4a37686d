"""-k expressions and --tag selection (sockscen.selection)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.errors import Location
from sockscen.model import Scenario
from sockscen.selection import KeywordError, compile_keyword, select


def scenario(path: str, name: str, tags: tuple[str, ...] = ()) -> Scenario:
    return Scenario(
        name=name,
        path=path,
        directory="/tmp",
        location=Location(path, 1),
        servers=(),
        clients=(),
        tags=tags,
    )


ECHO = scenario("scenarios/echo.yaml", "echo returns each line", ("tcp", "smoke"))
ECHO_UDP = scenario("scenarios/echo_udp.yaml", "echo over UDP", ("udp",))
GREETING = scenario("scenarios/greeting.yaml", "greeting server thanks every client", ("tcp",))
ALL = [ECHO, ECHO_UDP, GREETING]


def names(selected: list[Scenario]) -> list[str]:
    return [s.name for s in selected]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("echo", ["echo returns each line", "echo over UDP"]),
        ("ECHO", ["echo returns each line", "echo over UDP"]),
        ("udp", ["echo over UDP"]),
        ("echo and not udp", ["echo returns each line"]),
        ("greeting or udp", ["echo over UDP", "greeting server thanks every client"]),
        ("not (echo or greeting)", []),
        ("(echo and udp) or thanks", ["echo over UDP", "greeting server thanks every client"]),
        ("not not greeting", ["greeting server thanks every client"]),
        ('"returns each"', ["echo returns each line"]),
        ("'each line' or 'over udp'", ["echo returns each line", "echo over UDP"]),
        ("scenarios/echo.yaml::echo", ["echo returns each line"]),
        ("echo_udp.yaml::", ["echo over UDP"]),
        ("echo AND NOT udp", ["echo returns each line"]),
        ("", ["echo returns each line", "echo over UDP", "greeting server thanks every client"]),
        ("   ", ["echo returns each line", "echo over UDP", "greeting server thanks every client"]),
    ],
)
def test_keyword_selects_by_substring_of_path_and_name(
    expression: str, expected: list[str]
) -> None:
    assert expected == names(select(ALL, expression))


def test_not_binds_tighter_than_and_and_and_tighter_than_or() -> None:
    # "a or b and not c" reads as "a or (b and (not c))".
    predicate = compile_keyword("zzz or echo and not udp")
    assert predicate("x/zzz_udp.yaml::y")
    assert predicate("x/echo.yaml::y")
    assert not predicate("x/echo_udp.yaml::y")


@pytest.mark.parametrize(
    ("expression", "column", "problem"),
    [
        ("echo and", 9, "expected a word, 'not' or '(', found the end of the expression"),
        ("(echo", 6, "expected ')', found the end of the expression"),
        ("echo returns", 6, "expected 'and', 'or' or the end of the expression, found 'returns'"),
        (")", 1, "expected a word, 'not' or '(', found ')'"),
        ("or echo", 1, "expected a word, 'not' or '(', found 'or'"),
        ('echo and "udp', 10, 'unterminated quote "'),
        ("echo)", 5, "expected 'and', 'or' or the end of the expression, found ')'"),
    ],
)
def test_a_bad_expression_says_where_and_why(expression: str, column: int, problem: str) -> None:
    with pytest.raises(KeywordError) as excinfo:
        compile_keyword(expression)
    message = str(excinfo.value)
    assert message.startswith(f"wrong -k expression {expression!r}: at column {column}: {problem}")
    assert "quote words that hold spaces" in message


def test_deep_nesting_is_a_keyword_error_not_a_crash() -> None:
    with pytest.raises(KeywordError, match="nested too deeply"):
        compile_keyword("not " * 1000 + "echo")
    with pytest.raises(KeywordError, match="nested too deeply"):
        compile_keyword("(" * 1000 + "echo" + ")" * 1000)


def test_select_raises_for_a_bad_keyword() -> None:
    with pytest.raises(KeywordError):
        select(ALL, "echo and")


def test_tags_select_scenarios_having_any_of_them() -> None:
    assert names(select(ALL, None, ["smoke"])) == ["echo returns each line"]
    assert names(select(ALL, None, ["smoke", "udp"])) == ["echo returns each line", "echo over UDP"]
    assert names(select(ALL, None, ["tcp"])) == [
        "echo returns each line",
        "greeting server thanks every client",
    ]


def test_tags_match_exactly() -> None:
    assert select(ALL, None, ["TCP"]) == []
    assert select(ALL, None, ["tc"]) == []


def test_keyword_and_tags_must_both_hold() -> None:
    assert names(select(ALL, "echo", ["tcp"])) == ["echo returns each line"]
    assert select(ALL, "greeting", ["udp"]) == []


def test_no_criteria_keeps_everything_in_order() -> None:
    assert select(ALL) == ALL
    assert select(ALL, None, []) == ALL


_words = st.text(alphabet="abcxyz_/.:", min_size=1, max_size=6)


@given(st.lists(_words, min_size=1, max_size=5), st.text(alphabet="abcxyz_/.:", max_size=20))
def test_or_of_words_is_any_substring(words: list[str], text: str) -> None:
    predicate = compile_keyword(" or ".join(words))
    assert predicate(text) == any(w in text for w in words)


@given(st.lists(_words, min_size=1, max_size=5), st.text(alphabet="abcxyz_/.:", max_size=20))
def test_and_of_negated_words_is_no_substring(words: list[str], text: str) -> None:
    predicate = compile_keyword(" and ".join(f"not {w}" for w in words))
    assert predicate(text) == all(w not in text for w in words)
