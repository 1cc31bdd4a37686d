"""The asyncio streams echo server: send every line back, for as many clients as connect.

Usage: python3 asyncio_echo.py PORT [--host HOST] [--unix PATH]

With --unix it listens on a Unix socket too: one program, two addresses.
"""

import argparse
import asyncio
import signal


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # readline() returns b"" at end of stream: the client hung up.
    while line := await reader.readline():
        writer.write(line)
        # drain() waits while the client reads slowly, so a fast sender cannot fill our memory.
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    servers = [await asyncio.start_server(echo, args.host, args.port)]
    if args.unix:
        servers.append(await asyncio.start_unix_server(echo, args.unix))
    print(f"Listening on {args.host}:{args.port}", flush=True)
    await stop.wait()
    for server in servers:
        server.close()
        await server.wait_closed()


parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--unix", help="also listen on this Unix socket path")
asyncio.run(main(parser.parse_args()))
