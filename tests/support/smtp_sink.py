#!/usr/bin/python3
"""A real SMTP server for tests (aiosmtpd on 127.0.0.1).

Usage: smtp_sink.py --port 0 --dir DIR

Prints "port: N" as its first stdout line once it listens, then stores every message it accepts
as DIR/<counter>.eml (1.eml, 2.eml, ...), written to a temporary name and renamed, so a reader
never sees half a message. The file holds the message exactly as received (CRLF line ends).
With SMTP_SINK_DELAY_MS set, it takes that long over each message before storing and accepting
it, as a slow mail server does. It also appends "<counter> <client port>" to DIR/connections.log for each message, so a test can
tell which messages arrived on one SMTP connection.
Runs until terminated (SIGTERM or SIGINT).
"""
import argparse
import asyncio
import os
import pathlib
import signal
import sys
import threading

from aiosmtpd.smtp import SMTP


class FolderHandler:
    """Stores each message's DATA in a numbered file."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.counter = 0
        self.lock = threading.Lock()
        self.delay = int(os.environ.get("SMTP_SINK_DELAY_MS", "0") or 0) / 1000.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.counter += 1
            number = self.counter
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", errors="surrogateescape")
        temporary = self.folder / f".{number}.eml.tmp"
        temporary.write_bytes(content)
        os.replace(temporary, self.folder / f"{number}.eml")
        peer = session.peer[1] if isinstance(session.peer, tuple) else session.peer
        with self.lock, open(self.folder / "connections.log", "a") as log:
            log.write(f"{number} {peer}\n")
        return "250 Message accepted for delivery"


async def serve(port, folder):
    loop = asyncio.get_running_loop()
    handler = FolderHandler(folder)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp-sink.test", enable_SMTPUTF8=True,
                     data_size_limit=64 << 20),
        host="127.0.0.1", port=port)
    actual = server.sockets[0].getsockname()[1]
    print(f"port: {actual}", flush=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    pathlib.Path(args.dir).mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.port, args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
