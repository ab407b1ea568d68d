#!/usr/bin/python3
"""A real HTTP webhook receiver for tests (http.server, threaded, on 127.0.0.1).

Usage: webhook_sink.py --port 0 --dir DIR

Prints "port: N" as its first stdout line once it listens. Stores every POST as
DIR/<counter>.json (1.json, 2.json, ...) holding {"path": ..., "headers": {name: value},
"body": "<the body as text>", "status": <the status answered>}, written to a temporary name and
renamed. Answers 200, or, when the file DIR/next_status exists, the status it holds (that file
is removed once used, so it affects one request). Runs until terminated.
"""
import argparse
import json
import os
import pathlib
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Store:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.counter = 0
        self.lock = threading.Lock()

    def next_status(self):
        path = self.folder / "next_status"
        with self.lock:
            self.counter += 1
            number = self.counter
            status = 200
            if path.exists():
                text = path.read_text().strip()
                path.unlink()
                status = int(text) if text.isdigit() else 500
        return number, status

    def save(self, number, record):
        temporary = self.folder / f".{number}.json.tmp"
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.folder / f"{number}.json")


def make_handler(store):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            number, status = store.next_status()
            store.save(number, {
                "path": self.path,
                "headers": {name: value for name, value in self.headers.items()},
                "body": body.decode("utf-8", errors="replace"),
                "status": status,
            })
            reply = b'{"ok":true}' if 200 <= status < 300 else b'{"ok":false}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format, *args):  # Keep stderr quiet.
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    folder = pathlib.Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(Store(folder)))
    server.daemon_threads = True
    print(f"port: {server.server_address[1]}", flush=True)

    def shut_down(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    server.serve_forever(poll_interval=0.05)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
