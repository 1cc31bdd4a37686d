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
from collections.abc import Callable
from dataclasses import dataclass, field

from .framing import Framing

#: Characters a text payload may hold besides the printable ones.
_TEXT_CONTROLS = "\r\n\t"
#: Relayed bytes a recording keeps (there it stops): memory stays bounded whatever the
#: peers send, and any reply kept fits the default read limit (``--max-buffer``) of a run.
RECORDING_LIMIT = 16 * 1024 * 1024
#: A payload longer than this goes to a file of its own (``{file: ...}``) rather than
#: inline, so a conversation with large messages still makes a loadable scenario file.
INLINE_LIMIT = 4096
#: What keeping one read, and one conversation, costs beyond its bytes (Python objects):
#: counted against the limit, so a flood of empty datagrams or tiny reads is bounded too.
READ_COST = 64
CONVERSATION_COST = 512


@dataclass
class Exchange:
    """One request and the reply to it (a datagram server's replies are kept one by one)."""

    request: list[bytes] = field(default_factory=list)
    reply: list[bytes] = field(default_factory=list)
    #: The client ended its stream after this request, before any reply (a half-close).
    shutdown: bool = False


@dataclass
class Conversation:
    """What one connection (or datagram sender) said, in order."""

    index: int
    peer: str
    started: float
    exchanges: list[Exchange] = field(default_factory=list)
    server_closed: bool = False


class ConversationLog:
    """Collects relayed data as a proxy sees it (its observer), connection by connection.

    It keeps at most *limit* bytes, each read and conversation counted with what
    keeping it costs: a read that would go past them is not kept, and ``full``
    says so (the recorder then stops).
    """

    def __init__(self, clock: float | None = None, limit: int = RECORDING_LIMIT) -> None:
        self.started = time.perf_counter() if clock is None else clock
        self.conversations: dict[int, Conversation] = {}
        self.limit = limit
        self.size = 0
        self.full = False

    def data(self, n: int, direction: str, data: bytes) -> None:
        """*data* relayed on connection *n*: ``upstream`` (client to server) or ``downstream``."""
        conv = self.conversations.get(n)
        cost = len(data) + READ_COST + (CONVERSATION_COST if conv is None else 0)
        if self.full or self.size + cost > self.limit:
            self.full = True
            return
        self.size += cost
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

    def ended(self, n: int, direction: str) -> None:
        """The stream of connection *n* ended in *direction* (``upstream``: the client's)."""
        conv = self.conversations.get(n)
        if conv is None or not conv.exchanges:
            return
        if direction == "downstream":
            conv.server_closed = True
        elif conv.exchanges[-1].request and not conv.exchanges[-1].reply:
            # The server may answer only once the request has ended (`wc`, HTTP/1.0 bodies).
            conv.exchanges[-1].shutdown = True


class PayloadFiles:
    """Where payloads longer than ``INLINE_LIMIT`` go: one file each in *folder*.

    *folder* is relative to the scenario file; the same bytes (a rule's request
    and the client's send) share one file.  Writing the files is the caller's job.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.files: dict[bytes, str] = {}

    def name(self, data: bytes) -> str:
        """The file (relative to the scenario) that holds *data*."""
        name = self.files.get(data)
        if name is None:
            name = self.files[data] = f"{self.folder}/{len(self.files) + 1:04d}.bin"
        return name


def payload_yaml(
    data: bytes, framing: Framing | None = None, files: PayloadFiles | None = None
) -> str:
    """*data* as a YAML payload: a quoted string, ``{hex: ...}``, a list of frames,
    or, when longer than ``INLINE_LIMIT`` and *files* is given, ``{file: ...}``."""
    if files is not None and len(data) > INLINE_LIMIT:
        return "{file: " + json.dumps(files.name(data)) + "}"
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


Payload = Callable[[bytes], str]


def scenario_yaml(
    conversations: list[Conversation],
    info: RecordingInfo,
    framing: Framing | None = None,
    files: PayloadFiles | None = None,
) -> str:
    """The scenario replaying *conversations*: a rule server and one client per conversation.

    Payloads longer than ``INLINE_LIMIT`` are named in *files* (when given), to be
    written beside the scenario.  Without any request it is a scripted server
    that says its greeting: a rule server needs at least one rule.
    """

    def pay(data: bytes) -> str:
        return payload_yaml(data, framing, files)

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
    greeting, same = _greeting(conversations)
    if greeting is not None and info.stream:
        greeting = [b"".join(greeting)]  # a stream's pieces are how reads fell, not messages
    if greeting is not None:
        why = "what the server said first, unasked"
        if not same:
            why = "the first connection's greeting (each connection got its own)"
        lines += [f"    handle:                 # {why}"]
        lines += [f"      - send: {pay(part)}" for part in greeting]
    rules = _rules(conversations, pay, info.stream)
    if rules:
        if len(conversations) > 1:
            # Clients replay one after the other and `replies:` count across connections,
            # so each gets the replies its recorded connection got, whatever the timing.
            lines += ["    state_scope: server"]
        lines += ["    rules:", *rules]
    lines += ["clients:"]
    previous: Conversation | None = None
    for conv in conversations:
        lines += _client(
            conv, previous, info, pay, greeting_differs=greeting is not None and not same
        )
        previous = conv
    return "\n".join(lines) + "\n"


def _greeting(conversations: list[Conversation]) -> tuple[list[bytes] | None, bool]:
    """What the server said before any request, and whether every connection got the same.

    When they differ (a greeting with a time or a session id), the server says the
    first connection's and the clients accept whatever greeting comes.
    """
    greetings = [tuple(c.exchanges[0].reply) for c in conversations if c.exchanges and _greets(c)]
    if not greetings:
        return None, True
    same = len(greetings) == len(conversations) and len(set(greetings)) == 1
    return list(greetings[0]), same


def _greets(conv: Conversation) -> bool:
    return bool(conv.exchanges and not conv.exchanges[0].request and conv.exchanges[0].reply)


def _rules(conversations: list[Conversation], pay: Payload, stream: bool) -> list[str]:
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
        lines.append(f"      - when: {pay(request)}")
        shapes = {len(a) for a in answers}
        if shapes == {1} or (stream and all(answers)):
            joined = [b"".join(a) for a in answers]
            if len(set(joined)) == 1:
                lines.append(f"        reply: {pay(joined[0])}")
            else:
                body = ", ".join(pay(j) for j in joined)
                lines.append(f"        replies: [{body}]")
        elif shapes == {0}:
            lines.append("        steps: []               # the server did not answer")
        else:
            sends = ", ".join("{send: " + pay(p) + "}" for p in answers[0])
            lines.append(f"        steps: [{sends}]")
    return lines


def _client(
    conv: Conversation,
    previous: Conversation | None,
    info: RecordingInfo,
    pay: Payload,
    *,
    greeting_differs: bool = False,
) -> list[str]:
    lines = [
        f"  connection{conv.index}:           # from {conv.peer or 'a client'}, "
        f"+{conv.started:.3f}s into the recording",
        f"    connect: ${{{info.name}.url}}",
        "    steps:",
    ]
    if previous is not None:
        lines.append(f"      - wait: connection{previous.index}-done")
    exchanges = conv.exchanges
    if greeting_differs:
        # The server greets every connection alike now: take whatever greeting comes.
        lines.append(
            "      - expect: {any: true}  # the greeting (it differed between connections)"
        )
        if _greets(conv):
            exchanges = exchanges[1:]
    for ex in exchanges:
        if ex.request:
            parts = [b"".join(ex.request)] if info.stream else ex.request
            lines += [f"      - send: {pay(p)}" for p in parts]
        if ex.shutdown:
            lines.append("      - shutdown")
        if ex.reply:
            parts = [b"".join(ex.reply)] if info.stream else ex.reply
            lines += [f"      - expect: {pay(p)}" for p in parts]
    lines.append(f"      - notify: connection{conv.index}-done")
    return lines
