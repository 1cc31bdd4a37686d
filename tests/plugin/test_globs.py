"""The ``sockscen_files`` glob patterns (pure matching, no pytest run)."""

from __future__ import annotations

import pytest

from sockscen.pytest_plugin import glob_match


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        # No "/": the file name at any depth, like pytest's python_files.
        ("*.proto.yml", "a.proto.yml", True),
        ("*.proto.yml", "deep/er/a.proto.yml", True),
        ("*.proto.yml", "a.yml", False),
        # With "/": the path relative to the rootdir; * stays within one folder.
        ("specs/*.yaml", "specs/a.yaml", True),
        ("specs/*.yaml", "specs/sub/a.yaml", False),
        ("specs/*.yaml", "other/specs/a.yaml", False),
        # ** spans any number of folders, none included.
        ("specs/**/*.yaml", "specs/a.yaml", True),
        ("specs/**/*.yaml", "specs/x/y/a.yaml", True),
        ("**/net/*.yaml", "net/a.yaml", True),
        ("**/net/*.yaml", "a/b/net/a.yaml", True),
        ("specs/**", "specs/x/a.yaml", True),
        # ? and character classes, ! negating.
        ("specs/s?.yaml", "specs/s1.yaml", True),
        ("specs/s?.yaml", "specs/s10.yaml", False),
        ("specs/[ab].yaml", "specs/b.yaml", True),
        ("specs/[!ab].yaml", "specs/b.yaml", False),
        ("specs/[!ab].yaml", "specs/c.yaml", True),
        # A leading ./ and surrounding blanks are ignored; dots are literal.
        ("./specs/*.yaml", "specs/a.yaml", True),
        ("  specs/*.yaml  ", "specs/a.yaml", True),
        ("specs/a.yaml", "specs/aXyaml", False),
    ],
)
def test_glob_match(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(pattern, path) is matches
