"""A minimal Language Server Protocol client: drives yaml-language-server over stdio.

Only what the editor tests need: initialize, settings, didOpen, diagnostics, hover and
completion.  Every wait is bounded; the server process is stopped on exit.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

WAIT = 30.0  # seconds: the first validation loads the schema and may take a moment


def find_server() -> list[str] | None:
    """The command that starts yaml-language-server, or None when it is not installed.

    ``SOCKSCEN_YAML_LS`` names the executable; otherwise ``.ci/run``'s install
    location, then ``PATH``.
    """
    if shutil.which("node") is None:
        return None
    named = os.environ.get("SOCKSCEN_YAML_LS")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    candidates = [
        named,
        str(cache / "sockscen-ci" / "node_modules" / ".bin" / "yaml-language-server"),
        shutil.which("yaml-language-server"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return [candidate, "--stdio"]
    return None


class LanguageServer:
    """One running server; use as a context manager."""

    def __init__(self, command: list[str], root: Path) -> None:
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=root,
        )
        self._root = root
        self._next_id = 0
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._notifications: list[dict[str, Any]] = []
        self._settings: dict[str, Any] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def __enter__(self) -> LanguageServer:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.request("shutdown", None, wait=5.0)
            self._send({"jsonrpc": "2.0", "method": "exit"})
            self._proc.wait(timeout=5)
        except Exception:
            self._proc.kill()
            self._proc.wait(timeout=5)

    # -- wire ---------------------------------------------------------------
    def _read(self) -> None:
        out = self._proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self._inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            self._inbox.put(json.loads(out.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        stdin = self._proc.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def _next(self, deadline: float) -> dict[str, Any]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("yaml-language-server did not answer in time")
        try:
            message = self._inbox.get(timeout=left)
        except queue.Empty:
            raise TimeoutError("yaml-language-server did not answer in time") from None
        if message is None:
            raise RuntimeError("yaml-language-server exited")
        if "method" in message and "id" in message:
            # A request from the server (configuration, registrations): answer plainly.
            result: Any = None
            if message["method"] == "workspace/configuration":
                # The server pulls its settings by section ("yaml", "http", ...).
                result = [self._settings.get(i.get("section")) for i in message["params"]["items"]]
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})
        return message

    def request(self, method: str, params: Any, wait: float = WAIT) -> Any:
        """Send a request and return its result."""
        self._next_id += 1
        ident = self._next_id
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        deadline = time.monotonic() + wait
        while True:
            message = self._next(deadline)
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result")
            if "method" in message and "id" not in message:
                self._notifications.append(message)

    def notify(self, method: str, params: Any) -> None:
        """Send a notification."""
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    # -- protocol -----------------------------------------------------------
    def initialize(self, settings: dict[str, Any]) -> None:
        """Handshake; the server then pulls ``settings`` as its ``yaml`` section."""
        self._settings = {"yaml": settings}
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": self._root.as_uri(),
                "capabilities": {
                    "workspace": {"configuration": True},
                    "textDocument": {
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "completion": {"completionItem": {"snippetSupport": True}},
                        "publishDiagnostics": {},
                    },
                },
                "workspaceFolders": [{"uri": self._root.as_uri(), "name": "root"}],
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": None})

    def open(self, path: Path, text: str) -> str:
        """Open a document; returns its URI."""
        uri = path.as_uri()
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
        )
        return uri

    def diagnostics(self, uri: str, wait: float = WAIT) -> list[dict[str, Any]]:
        """The diagnostics the server publishes for ``uri`` (the first report)."""
        deadline = time.monotonic() + wait
        while True:
            for note in self._notifications:
                if (
                    note["method"] == "textDocument/publishDiagnostics"
                    and note["params"]["uri"] == uri
                ):
                    self._notifications.remove(note)
                    found: list[dict[str, Any]] = note["params"]["diagnostics"]
                    return found
            message = self._next(deadline)
            if "method" in message and "id" not in message:
                self._notifications.append(message)

    def hover(self, uri: str, line: int, character: int) -> str:
        """The hover text at a position (markdown or plain), '' when none."""
        result = self.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )
        if not result:
            return ""
        contents = result["contents"]
        if isinstance(contents, dict):
            return str(contents.get("value", ""))
        if isinstance(contents, list):
            return "\n".join(c if isinstance(c, str) else c.get("value", "") for c in contents)
        return str(contents)

    def completion(self, uri: str, line: int, character: int) -> list[dict[str, Any]]:
        """The completion items at a position."""
        result = self.request(
            "textDocument/completion",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )
        if result is None:
            return []
        items: list[dict[str, Any]] = result["items"] if isinstance(result, dict) else result
        return items
