"""``--shard K/N``: a stable split of the files for CI matrices (sockscen.selection)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.selection import parse_shard, shard


def test_shard_text_reads_as_index_and_count() -> None:
    assert parse_shard("2/4") == (2, 4)
    assert parse_shard("1/1") == (1, 1)


@pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "2", "a/b", "-1/4", "1/4/2", ""])
def test_a_bad_shard_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match=r"K/N|K must be from 1 to N"):
        parse_shard(text)


@given(
    files=st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=40),
    count=st.integers(1, 9),
)
def test_the_shards_are_disjoint_cover_every_file_and_are_balanced(
    files: list[str], count: int
) -> None:
    parts = [shard(files, k, count) for k in range(1, count + 1)]
    assert sorted(f for part in parts for f in part) == sorted(files)
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1
    for part in parts:  # each keeps the order it was given
        assert part == [f for f in files if f in part]


def test_the_split_does_not_depend_on_the_order_files_were_found() -> None:
    files = ["b.yaml", "a.yaml", "d/c.yaml", "e.yaml"]
    assert shard(files, 1, 2) == ["a.yaml", "d/c.yaml"]
    assert shard(list(reversed(files)), 1, 2) == ["d/c.yaml", "a.yaml"]
