"""``sockscen record``, pure part: pair what was relayed into requests and replies, write YAML.

A request is everything a client sent since the server's last reply; its
reply is everything the server sent before the client sent again (so no
framing is needed to pair them).  The scenario written has a rule server
answering each recorded request with its recorded reply (a request seen
with different replies gets them in order, ``replies:``) and one client per
recorded connection replaying it.  Payloads are text when they are printable
UTF-8, hex otherwise; a framing only cuts them into readable parts.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from .framing import Framing

#: Characters a text payload may hold besides the printable ones.
_TEXT_CONTROLS = "\r\n\t"


@dataclass
class Exchange:
    """One request and the reply to it (a datagram server's replies are kept one by one)."""

    request: list[bytes] = field(default_factory=list)
    reply: list[bytes] = field(default_factory=list)


@dataclass
class Conversation:
    """What one connection (or datagram sender) said, in order."""

    index: int
    peer: str
    started: float
    exchanges: list[Exchange] = field(default_factory=list)
    server_closed: bool = False


class ConversationLog:
    """Collects relayed data as a proxy sees it (its observer), connection by connection."""

    def __init__(self, clock: float | None = None) -> None:
        self.started = time.perf_counter() if clock is None else clock
        self.conversations: dict[int, Conversation] = {}

    def data(self, n: int, direction: str, data: bytes) -> None:
        """*data* relayed on connection *n*: ``upstream`` (client to server) or ``downstream``."""
        conv = self.conversations.get(n)
        if conv is None:
            conv = self.conversations[n] = Conversation(n, "", time.perf_counter() - self.started)
        if direction == "upstream":
            if not conv.exchanges or conv.exchanges[-1].reply:
                conv.exchanges.append(Exchange())
            conv.exchanges[-1].request.append(data)
        else:
            if not conv.exchanges:
                conv.exchanges.append(Exchange())  # the server spoke first: a greeting
            conv.exchanges[-1].reply.append(data)


def payload_yaml(data: bytes, framing: Framing | None = None) -> str:
    """*data* as a YAML payload: a quoted string, ``{hex: ...}``, or a list of frames."""
    if framing is not None and framing.is_framed:
        parts = _frames(data, framing)
        if len(parts) > 1:
            return "[" + ", ".join(payload_yaml(p) for p in parts) + "]"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c in _TEXT_CONTROLS for c in text):
        # A JSON string is a YAML double-quoted string; ${ would be a placeholder.
        return json.dumps(text.replace("${", "$${"), ensure_ascii=False)
    return '{hex: "' + data.hex(" ") + '"}'


def _frames(data: bytes, framing: Framing) -> list[bytes]:
    """*data* cut after each delimiter of *framing* (the rest, if any, last)."""
    delimiter = getattr(framing, "delimiter", None)
    if not isinstance(delimiter, bytes) or not delimiter:
        return [data]
    parts, start = [], 0
    while (end := data.find(delimiter, start)) != -1:
        parts.append(data[start : end + len(delimiter)])
        start = end + len(delimiter)
    if start < len(data):
        parts.append(data[start:])
    return parts


@dataclass(frozen=True)
class RecordingInfo:
    """Where and when a recording was made, for the file's comments."""

    listen: str
    upstream: str
    stream: bool
    recorded_at: float
    name: str = "recorded"


def scenario_yaml(
    conversations: list[Conversation], info: RecordingInfo, framing: Framing | None = None
) -> str:
    """The scenario replaying *conversations*: a rule server and one client per conversation."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(info.recorded_at))
    scheme = info.upstream.split(":", 1)[0]
    listen = "tcp://127.0.0.1:0" if scheme == "tcp" else "udp://127.0.0.1:0"
    if scheme in ("unix", "unixgram"):
        listen = f"{scheme}:recorded.sock"
    lines = [
        f"# Recorded by `sockscen record` on {stamp}: clients of {info.listen},",
        f"# relayed to {info.upstream}; {len(conversations)} connection(s).",
        "# The rule server answers each recorded request with its recorded reply;",
        "# each client replays one recorded connection.",
        f"name: {json.dumps(info.name)}",
        "servers:",
        f"  {info.name}:",
        f"    listen: {listen}",
    ]
    greeting = _common_greeting(conversations)
    if greeting is not None:
        lines += ["    handle:                 # what the server said first, unasked"]
        lines += [f"      - send: {payload_yaml(part, framing)}" for part in greeting]
    if len(conversations) > 1:
        # Clients replay one after the other and `replies:` count across connections,
        # so each gets the replies its recorded connection got, whatever the timing.
        lines += ["    state_scope: server"]
    lines += ["    rules:", *_rules(conversations, framing, info.stream)]
    lines += ["clients:"]
    previous: Conversation | None = None
    for conv in conversations:
        lines += _client(conv, previous, info, framing)
        previous = conv
    return "\n".join(lines) + "\n"


def _common_greeting(conversations: list[Conversation]) -> list[bytes] | None:
    greetings = {
        tuple(c.exchanges[0].reply)
        for c in conversations
        if c.exchanges and not c.exchanges[0].request
    }
    if len(greetings) == 1 and all(
        c.exchanges and not c.exchanges[0].request for c in conversations
    ):
        return list(next(iter(greetings)))
    return None


def _rules(conversations: list[Conversation], framing: Framing | None, stream: bool) -> list[str]:
    """One rule per distinct request, in order of first appearance; replies in order."""
    replies: dict[bytes, list[list[bytes]]] = {}
    for conv in conversations:
        for ex in conv.exchanges:
            if not ex.request:
                continue
            requests = [b"".join(ex.request)] if stream else ex.request
            for i, request in enumerate(requests):
                reply = ex.reply if i == len(requests) - 1 else []
                replies.setdefault(request, []).append(reply)
    lines: list[str] = []
    for request, answers in replies.items():
        lines.append(f"      - when: {payload_yaml(request, framing)}")
        shapes = {len(a) for a in answers}
        if shapes == {1} or (stream and all(answers)):
            joined = [b"".join(a) for a in answers]
            if len(set(joined)) == 1:
                lines.append(f"        reply: {payload_yaml(joined[0], framing)}")
            else:
                body = ", ".join(payload_yaml(j, framing) for j in joined)
                lines.append(f"        replies: [{body}]")
        elif shapes == {0}:
            lines.append("        steps: []               # the server did not answer")
        else:
            sends = ", ".join("{send: " + payload_yaml(p, framing) + "}" for p in answers[0])
            lines.append(f"        steps: [{sends}]")
    return lines


def _client(
    conv: Conversation, previous: Conversation | None, info: RecordingInfo, framing: Framing | None
) -> list[str]:
    lines = [
        f"  connection{conv.index}:           # from {conv.peer or 'a client'}, "
        f"+{conv.started:.3f}s into the recording",
        f"    connect: ${{{info.name}.url}}",
        "    steps:",
    ]
    if previous is not None:
        lines.append(f"      - wait: connection{previous.index}-done")
    for ex in conv.exchanges:
        if ex.request:
            parts = [b"".join(ex.request)] if info.stream else ex.request
            lines += [f"      - send: {payload_yaml(p, framing)}" for p in parts]
        if ex.reply:
            parts = [b"".join(ex.reply)] if info.stream else ex.reply
            lines += [f"      - expect: {payload_yaml(p, framing)}" for p in parts]
    lines.append(f"      - notify: connection{conv.index}-done")
    return lines
