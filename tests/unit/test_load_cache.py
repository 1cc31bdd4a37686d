"""The load cache gives back what loading gives, and never what loading would not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sockscen import cachesecret, loadcache
from sockscen.errors import ConfigError
from sockscen.loadcache import LoadCache
from sockscen.loader import load_file, load_paths

ECHO = """\
name: echo {n}
servers:
  s:
    listen: tcp://127.0.0.1:0
    handle:
      - expect: "ping"
      - send: "pong"
clients:
  c:
    connect: ${{s.url}}
    steps:
      - send: "ping"
      - expect: {{regex: "po+ng"}}
"""

ENV = """\
name: from the environment
clients:
  c:
    command: [echo, "${env.SOCKSCEN_CACHE_TEST}"]
"""

QUOTED = """\
name: quoted
clients:
  c:
    command: [printf, 'a\\n']
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Messages show paths relative to the current folder.
    monkeypatch.chdir(tmp_path)
    # This user's signing key: a fresh one per test, not the real one in ~/.cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(cachesecret, "_known", [])


def _entries(cache: LoadCache) -> list[Path]:
    folder = cache.folder / "v1"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _messages(path: Path, cache: LoadCache | None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_file(path, cache=cache)
    return [str(p) for p in caught.value.problems]


def test_a_hit_gives_the_scenarios_loading_gives(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"e{n}.yaml").write_text(ECHO.format(n=n))
    cache = LoadCache(tmp_path / ".sockscen_cache")
    fresh = load_paths([tmp_path])
    assert load_paths([tmp_path], cache=cache) == fresh
    assert len(_entries(cache)) == 3
    assert load_paths([tmp_path], cache=cache) == fresh
    assert (cache.folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (cache.folder / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f59")


def test_an_edited_file_is_loaded_again(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    cache = LoadCache(tmp_path / "cache")
    assert load_file(path, cache=cache)[0].name == "echo 1"
    path.write_text(ECHO.format(n=2))
    assert load_file(path, cache=cache)[0].name == "echo 2"


def test_an_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    cache = LoadCache(tmp_path / "cache")
    fresh = load_file(path, cache=cache)
    for damage in (b"", b"sockscen-load-cache 1\n\x80\x05garbage", b"another format"):
        for entry in _entries(cache):
            entry.write_bytes(damage)
        assert load_file(path, cache=cache) == fresh


def test_other_sockscen_code_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    cache = LoadCache(tmp_path / "cache")
    load_file(path, cache=cache)
    (entry,) = _entries(cache)
    before = entry.read_bytes()
    monkeypatch.setattr(loadcache, "_fingerprint", [b"another version of sockscen"])
    load_file(path, cache=cache)
    # Loaded again, its entry replaced: not one more entry per version of sockscen.
    assert _entries(cache) == [entry]
    assert entry.read_bytes() != before


def test_an_upgraded_loading_library_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "fakeyaml.py"
    library.write_text("VERSION = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(loadcache, "_LOADING_LIBRARIES", ("fakeyaml",))
    monkeypatch.setattr(loadcache, "_fingerprint", [])
    before = loadcache._code_fingerprint()
    library.write_text("VERSION = 22\n")  # what a pip upgrade does to its files
    monkeypatch.setattr(loadcache, "_fingerprint", [])
    assert loadcache._code_fingerprint() != before


def test_a_file_edited_again_and_again_keeps_one_entry(tmp_path: Path) -> None:
    """Entries once piled up, one per version of every file ever loaded, never removed."""
    path = tmp_path / "e.yaml"
    cache = LoadCache(tmp_path / "cache")
    for n in range(5):
        path.write_text(ECHO.format(n=n))
        assert load_file(path, cache=cache)[0].name == f"echo {n}"
        assert load_file(path, cache=cache)[0].name == f"echo {n}"
    assert len(_entries(cache)) == 1
    # Another file of the same bytes elsewhere has its own entry.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "e.yaml").write_text(ECHO.format(n=4))
    assert load_file(tmp_path / "sub" / "e.yaml", cache=cache)[0].name == "echo 4"
    assert len(_entries(cache)) == 2


def test_an_environment_variable_the_file_needs_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "env.yaml"
    path.write_text(ENV)
    cache = LoadCache(tmp_path / "cache")
    monkeypatch.setenv("SOCKSCEN_CACHE_TEST", "x")
    assert load_file(path, cache=cache) == load_file(path)
    assert len(_entries(cache)) == 1
    monkeypatch.delenv("SOCKSCEN_CACHE_TEST")
    assert _messages(path, cache) == _messages(path, None)
    assert "environment variable SOCKSCEN_CACHE_TEST is not set" in _messages(path, cache)[0]


def test_a_file_payload_is_never_cached(tmp_path: Path) -> None:
    (tmp_path / "payload.bin").write_bytes(b"ping")
    path = tmp_path / "f.yaml"
    path.write_text(ECHO.format(n=1).replace('send: "ping"', "send: {file: payload.bin}"))
    cache = LoadCache(tmp_path / "cache")
    load_file(path, cache=cache)
    assert _entries(cache) == []
    # Its payload is checked on every load: gone, it is a problem.
    os.unlink(tmp_path / "payload.bin")
    assert "file 'payload.bin' not found" in _messages(path, cache)[0]


def test_an_invalid_file_says_the_same_and_is_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(ECHO.format(n=1).replace("expect:", "expct:"))
    cache = LoadCache(tmp_path / "cache")
    assert _messages(path, cache) == _messages(path, None)
    assert _entries(cache) == []


def test_warnings_come_back_from_a_hit(tmp_path: Path) -> None:
    path = tmp_path / "quoted.yaml"
    path.write_text(QUOTED)
    cache = LoadCache(tmp_path / "cache")
    load_file(path, cache=cache)
    (hit,) = load_file(path, cache=cache)
    assert [str(w) for w in hit.warnings] == [str(w) for w in load_file(path)[0].warnings]
    assert "single-quoted string holds \\n" in str(hit.warnings[0])


def test_a_read_only_folder_loads_uncached(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    assert load_file(path, cache=LoadCache(blocked)) == load_file(path)


def test_clear_removes_every_entry(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    cache = LoadCache(tmp_path / "cache")
    load_file(path, cache=cache)
    cache.clear()
    assert not cache.folder.exists()


def test_clear_empties_a_folder_that_is_a_symbolic_link(tmp_path: Path) -> None:
    """rmtree refuses a link: --cache-clear left every entry in place, saying nothing."""
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    elsewhere = tmp_path / "ramdisk"
    elsewhere.mkdir()
    (tmp_path / "cache").symlink_to(elsewhere)
    cache = LoadCache(tmp_path / "cache")
    load_file(path, cache=cache)
    assert len(_entries(cache)) == 1
    cache.clear()
    assert _entries(cache) == []
    assert (tmp_path / "cache").is_symlink()
    assert elsewhere.is_dir()


class _Planted:
    """What a forged entry would run when unpickled."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, ("import builtins; builtins.SOCKSCEN_PLANTED = True",))


def test_an_entry_not_signed_with_this_users_key_is_never_unpickled(tmp_path: Path) -> None:
    import builtins
    import pickle

    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    cache = LoadCache(tmp_path / "cache")
    fresh = load_file(path, cache=cache)
    (entry,) = _entries(cache)
    blob = entry.read_bytes()
    header = blob[: blob.index(b"\n", len(loadcache._FORMAT)) + 1]
    # A committed or planted entry: the right header, any signature, a payload that runs code.
    entry.write_bytes(header + bytes(cachesecret.MAC_SIZE) + pickle.dumps(_Planted()))
    assert load_file(path, cache=cache) == fresh
    assert not hasattr(builtins, "SOCKSCEN_PLANTED")


def test_the_signing_key_is_private_to_this_user(tmp_path: Path) -> None:
    key = cachesecret.secret()
    assert key is not None
    (path,) = (tmp_path / "user-cache" / "sockscen").iterdir()
    assert 0o600 == path.stat().st_mode & 0o777
    assert 0o700 == path.parent.stat().st_mode & 0o777


def test_a_key_others_could_have_written_means_no_cache(tmp_path: Path) -> None:
    folder = tmp_path / "user-cache" / "sockscen"
    folder.mkdir(parents=True)
    (folder / "load-cache.key").write_bytes(bytes(32))
    (folder / "load-cache.key").chmod(0o644)
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    cache = LoadCache(tmp_path / "cache")
    assert load_file(path, cache=cache) == load_file(path)
    assert _entries(cache) == []


def test_planted_links_in_the_cache_folder_are_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    cache = LoadCache(tmp_path / "cache")
    cache.folder.mkdir()
    (cache.folder / ".gitignore").symlink_to(victim)
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    load_file(path, cache=cache)
    assert not victim.exists()
    (entry,) = _entries(cache)
    # An entry that is a link (to a FIFO, a device, another file) is a miss, never opened.
    target = tmp_path / "elsewhere"
    entry.rename(target)
    entry.symlink_to(target)
    assert load_file(path, cache=cache) == load_file(path)


def test_sockscen_files_that_cannot_be_listed_mean_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(folder: str) -> object:
        raise FileNotFoundError(folder)

    monkeypatch.setattr(loadcache, "_fingerprint", [])
    monkeypatch.setattr(loadcache, "_modules", unreadable)
    path = tmp_path / "e.yaml"
    path.write_text(ECHO.format(n=1))
    cache = LoadCache(tmp_path / "cache")
    assert load_file(path, cache=cache) == load_file(path)
    assert _entries(cache) == []
