"""Building addresses: what a server listens on and what a client connects to."""

from __future__ import annotations

from .. import model
from ..addresses import MAX_UNIX_PATH, AddressError, parse_address, scheme_of
from ..placeholders import Template
from ..yamlsource import PathKey
from .context import Context
from .schemes import SCHEME_PREFIXES


def build_address(
    ctx: Context, text: str, at: PathKey, *, listen: bool
) -> tuple[Template, str | None]:
    """The template of an address and its literal scheme (None if a placeholder comes first)."""
    tpl = ctx.template(text, at, listen=listen)
    prefix = tpl.literal_prefix()
    scheme = scheme_of(prefix)
    if tpl.is_static:
        try:
            address = parse_address(tpl.static_value)
        except AddressError as exc:
            ctx.problem(at, str(exc))
            return tpl, scheme
        if not listen and not address.is_unix and address.port == 0:
            ctx.problem(
                at,
                "port 0 only means 'pick a free port' in listen:; connect needs a real port",
                "write ${server.url} to connect to a server of this scenario",
            )
        if (
            address.is_unix
            and not address.is_abstract
            and len(address.path.encode()) > MAX_UNIX_PATH
        ):
            ctx.problem(
                at,
                f"the socket path is {len(address.path.encode())} bytes; "
                f"Linux allows {MAX_UNIX_PATH}",
                "use a relative path: it is placed in the scenario's short temporary directory",
            )
    elif scheme is None and prefix and not any(s.startswith(prefix) for s in SCHEME_PREFIXES):
        ctx.problem(
            at,
            f"{text!r} is not an address: use tcp://HOST:PORT, udp://HOST:PORT, "
            "unix:PATH or unixgram:PATH",
        )
    return tpl, scheme


def build_listen_address(
    ctx: Context, key: str | None, text: str, at: PathKey
) -> model.ListenAddress | None:
    """One listen address; its scheme must be written out, since servers bind before anything."""
    tpl, scheme = build_address(ctx, text, at, listen=True)
    if scheme is None:
        ctx.problem(
            at,
            "a listen address must start with its scheme "
            f"(tcp://, udp://, unix: or unixgram:), got {text!r}",
        )
        return None
    return model.ListenAddress(key, tpl, scheme, ctx.loc(at))
