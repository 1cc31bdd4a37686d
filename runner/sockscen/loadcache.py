"""A content-addressed cache of loaded scenario files: valid files skip YAML, schema and build.

Loading a small file (YAML with line marks, the schema check, building the
model) costs several times what reading its cached result back does.  An
entry is keyed by everything the result depends on:

* the file's bytes, the path messages show it by, and its folder (the base of
  relative ``file:`` payloads), the last two also naming the entry, so that a
  file has one entry, replaced when it changes;
* sockscen's own code and scenario schema (size and modification time of
  every module of the package, the schema's bytes) and the Python version;
* the environment variables the build looked at (``${env.NAME}`` must be
  set): each entry records them, and a hit requires the same values.

Only files without a single problem are stored, so every message about a
file comes from loading it again; warnings are part of the scenarios and come
back with them.  A file with a ``file:`` payload is not stored: its payload's
size and readability are checked when it loads.  An entry that cannot be read
(missing, truncated, from another format) is a miss; writes go to a
temporary file renamed into place, so concurrent runs (pytest-xdist workers)
never see half an entry.  Entries are pickles: the folder is trusted like
``__pycache__``; never fill it from an untrusted source.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import importlib.util
import io
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .cachesecret import MAC_SIZE, mac, read_own_file, secret
from .model import Scenario
from .payloads.file import FilePart
from .schema_document import schema_path_or_resource

__all__ = ["CACHE_DIR", "LoadCache", "WatchedEnviron"]

#: The cache's folder, in the project's root (``sockscen`` run there, or pytest's rootdir).
CACHE_DIR = ".sockscen_cache"
#: Bumped when the layout of an entry changes.
_FORMAT = b"sockscen-load-cache 3\n"
#: An entry's name, the first part of a key: where the file is (64 hex digits).
_NAME = 64
_README = (
    "# sockscen load cache\n\n"
    "Loaded scenario files, so that unchanged files skip validation.  Safe to delete;\n"
    "`sockscen run --cache-clear` and `pytest --cache-clear` empty it, `--no-cache`\n"
    "(`--sockscen-no-cache` under pytest) leaves it alone.\n"
)
#: https://bford.info/cachedir/: backup tools skip folders holding this file.
_CACHEDIR_TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n# sockscen load cache\n"


class WatchedEnviron(Mapping[str, str]):
    """An environment that remembers which variables were looked at (and what they were)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.seen: dict[str, str | None] = {}
        #: Someone listed every variable: the result depends on all of them.
        self.listed = False

    def __getitem__(self, name: str) -> str:
        self.seen[name] = self.environ.get(name)
        return self.environ[name]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        self.seen[name] = self.environ.get(name)
        return name in self.environ

    def __iter__(self) -> Iterator[str]:
        self.listed = True
        return iter(self.environ)

    def __len__(self) -> int:
        self.listed = True
        return len(self.environ)


class _Uncacheable(Exception):
    """The scenarios hold something checked against the world outside the file."""


#: Field names of slotted dataclasses, by class (dataclasses.fields is slow per call).
_FIELDS: dict[type, tuple[str, ...]] = {}
#: The slot setters of a class: they bypass a frozen dataclass's ``__setattr__``.
_SETTERS: dict[type, tuple[Any, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _restore(cls: type, values: tuple[Any, ...]) -> Any:
    """Rebuild a frozen slotted dataclass (pickle's own way calls ``fields()`` per object)."""
    obj: Any = object.__new__(cls)
    setters = _SETTERS.get(cls)
    if setters is None:
        setters = _SETTERS[cls] = tuple(getattr(cls, name).__set__ for name in _fields(cls))
    # strict: an entry of another shape fails to load, and is a miss.
    for setter, value in zip(setters, values, strict=True):
        setter(obj, value)
    return obj


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        if cls is FilePart:
            raise _Uncacheable
        if "__slots__" in cls.__dict__ and "__dataclass_fields__" in cls.__dict__:
            return _restore, (cls, tuple([getattr(obj, name) for name in _fields(cls)]))
        return NotImplemented


_fingerprint: list[bytes] = []
#: Libraries whose upgrade can change what a file loads to (parsing, schema verdicts,
#: regex compilation): an upgrade rewrites their files, so their stat is in the key.
_LOADING_LIBRARIES = ("yaml", "jsonschema_rs", "jsonschema", "regex")


def _code_fingerprint() -> bytes:
    """sockscen's code and schema, and the Python, the cached results were built with."""
    if _fingerprint:
        return _fingerprint[0]
    digest = hashlib.sha256(_FORMAT + sys.version.encode())
    package = os.path.dirname(os.path.abspath(__file__))
    for path, info in sorted(_modules(package)):
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    digest.update(schema_path_or_resource().read_bytes())
    for name in _LOADING_LIBRARIES:
        # Found, not imported: a run served from the cache never imports them.
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin is not None and os.path.exists(origin):
            info = os.stat(origin)
            digest.update(f"{origin}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    _fingerprint.append(digest.digest())
    return _fingerprint[0]


def _modules(folder: str) -> Iterator[tuple[str, os.stat_result]]:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    yield from _modules(entry.path)
            elif entry.name.endswith(".py"):
                yield entry.path, entry.stat()


#: The largest entry read back (scenario files themselves are bounded well below).
MAX_ENTRY = 64 * 1024 * 1024


class LoadCache:
    """Loaded files under *folder*, by what they were loaded from."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._entries = folder / "v1"

    def key(self, data: bytes, shown: str, directory: str) -> str | None:
        """The key of a file with bytes *data*, shown as *shown*, in *directory*.

        None when nothing may be cached (no signing key: see ``cachesecret``).

        One entry per file (its name hashes where the file is), holding the
        hash of what it was loaded from: an edited file replaces its entry, so
        the folder holds as many entries as there are scenario files, however
        often they (or sockscen) change.
        """
        where = f"{shown}\0{directory}\0".encode(errors="surrogateescape")
        try:
            fingerprint = _code_fingerprint()
        except OSError:
            return None  # sockscen's own files cannot be listed (a zipapp, an upgrade under way)
        if secret() is None:
            return None
        digest = hashlib.sha256(fingerprint)
        digest.update(where)
        digest.update(data)
        return hashlib.sha256(where).hexdigest() + digest.hexdigest()

    def get(self, key: str, environ: Mapping[str, str]) -> list[Scenario] | None:
        """The scenarios stored under *key*, or None (absent, unreadable, other environment)."""
        name, loaded_from = key[:_NAME], key[_NAME:].encode()
        header = _FORMAT + loaded_from + b"\n"
        signing = secret()
        try:
            blob = read_own_file(self._entries / name, MAX_ENTRY)
            if signing is None or blob is None or not blob.startswith(header):
                return None  # another format, or the file (or sockscen) has changed since
            body = memoryview(blob)[len(header) + MAC_SIZE :]
            signature = blob[len(header) : len(header) + MAC_SIZE]
            if not hmac.compare_digest(signature, mac(signing, header, body)):
                return None  # not written by this user's sockscen: never unpickled
            seen, scenarios = pickle.loads(body)
            if any(environ.get(name) != value for name, value in seen.items()):
                return None
            if not isinstance(scenarios, list):
                return None
            return scenarios
        except Exception:
            # A truncated or foreign entry is a miss; the file is loaded as if never cached.
            return None

    def put(self, key: str, scenarios: list[Scenario], environ: WatchedEnviron) -> None:
        """Store *scenarios* under *key*; silently nothing when the folder is not writable."""
        if environ.listed:
            return
        signing = secret()
        if signing is None:
            return
        header = _FORMAT + key[_NAME:].encode() + b"\n"
        buffer = io.BytesIO()
        try:
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((environ.seen, scenarios))
        except (_Uncacheable, pickle.PicklingError, TypeError, AttributeError):
            return
        body = buffer.getbuffer()
        try:
            self._prepare()
            fd, temporary = tempfile.mkstemp(dir=self._entries, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(header)
                    f.write(mac(signing, header, body))
                    f.write(body)
                os.replace(temporary, self._entries / key[:_NAME])
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass  # a read-only checkout still runs, uncached

    def _prepare(self) -> None:
        if self._entries.is_dir():
            return
        self._entries.mkdir(parents=True, exist_ok=True)
        for name, content in (
            (".gitignore", b"# created by sockscen\n*\n"),
            ("README.md", _README.encode()),
            ("CACHEDIR.TAG", _CACHEDIR_TAG),
        ):
            # Never through a link someone planted: O_EXCL|O_NOFOLLOW creates a new file or nothing.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                fd = os.open(self.folder / name, flags, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as f:
                f.write(content)

    def clear(self) -> None:
        """Remove every entry (the folder goes; it comes back with the next entry).

        A folder that is a symbolic link (to a RAM disk, a CI cache) stays, and
        so does what it points to: only the entries in it go.
        """
        if self.folder.is_symlink():
            shutil.rmtree(self._entries, ignore_errors=True)
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
