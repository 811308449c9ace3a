"""A local HTTP server that speaks Mastodon's POST /api/v1/statuses, for pointing our real
client at in tests and benchmarks. Like Mastodon it honours the Idempotency-Key header (a
repeated key answers with the status it already made) and it keeps its own log of statuses,
from which duplicates are counted. Faults for the next requests:

- ("drop",): makes the status, then closes the connection without answering
- ("slow", seconds): answers after a delay (longer than the client's timeout: a timeout)
- (status, body, headers): an HTTP error, e.g. (429, {...}, {"Retry-After": "60"}), 500, 401
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeMastodon:
    def __init__(self, token: str = "token-1") -> None:
        self.token = token
        self.statuses: list[dict[str, Any]] = []  # every status made, in order
        self.by_key: dict[str, dict[str, Any]] = {}
        self.requests = 0
        self.fail_next: list[tuple[Any, ...]] = []
        # A share of requests that fail at random (benchmarks): a 429, a 500 or a drop.
        self.fault_rate = 0.0
        self._random = random.Random(7)
        self._ids = itertools.count(100)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeMastodon:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _status(self, text: str, key: str | None) -> dict[str, Any]:
        with self._lock:
            if key and key in self.by_key:
                return self.by_key[key]
            status_id = str(next(self._ids))
            status = {
                "id": status_id,
                "url": f"{self.base_url}/@creator/{status_id}",
                "content": f"<p>{text}</p>",
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "visibility": "public",
            }
            self.statuses.append(status)
            if key:
                self.by_key[key] = status
            return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests += 1
                    fault = fake.fail_next.pop(0) if fake.fail_next else None
                    if fault is None and fake._random.random() < fake.fault_rate:
                        fault = fake._random.choice(
                            [
                                (429, {"error": "Too many requests"}, {"Retry-After": "5"}),
                                (500, {"error": "Internal server error"}, {}),
                                ("drop",),
                            ]
                        )
                if self.path != "/api/v1/statuses":
                    return self._send(404, {"error": "Record not found"})
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self._send(401, {"error": "The access token is invalid"})
                if fault and fault[0] == "slow":
                    time.sleep(fault[1])
                elif fault and fault[0] == "drop":
                    fake._status(body.get("status", ""), self.headers.get("Idempotency-Key"))
                    self.close_connection = True
                    self.connection.close()  # made, but the client never hears back
                    return None
                elif fault:
                    return self._send(*fault)
                text = str(body.get("status") or "")
                if not text.strip():
                    return self._send(422, {"error": "Validation failed: Text can't be blank"})
                if len(text) > 500:
                    return self._send(
                        422, {"error": "Validation failed: Text character limit of 500 exceeded"}
                    )
                return self._send(200, fake._status(text, self.headers.get("Idempotency-Key")))

        return Handler


@contextmanager
def running_fake_mastodon(token: str = "token-1") -> Iterator[FakeMastodon]:
    fake = FakeMastodon(token).start()
    try:
        yield fake
    finally:
        fake.stop()
