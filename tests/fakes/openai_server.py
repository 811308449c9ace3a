"""A local HTTP server that speaks the OpenAI REST API's shape, for pointing the real `openai`
SDK at in tests. It records requests and can be told to fail the next calls."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


def fake_vector(text: str, dimensions: int) -> list[float]:
    """Deterministic per text, so tests can predict neighbours."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    vector = np.random.default_rng(seed).standard_normal(dimensions)
    return (vector * 3).tolist()  # not normalised: the client must normalise


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_next: list[tuple[int, dict]] = []  # (status, body) served before real answers
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                if fake.fail_next:
                    status, error = fake.fail_next.pop(0)
                    return self._send(status, error)
                if self.path == "/v1/embeddings":
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    dims = body.get("dimensions", 1536)
                    data = [
                        {"object": "embedding", "index": i, "embedding": fake_vector(t, dims)}
                        for i, t in enumerate(inputs)
                    ]
                    data.reverse()  # the API does not promise order; the client sorts by index
                    tokens = sum(len(t.split()) for t in inputs)
                    return self._send(
                        200,
                        {
                            "object": "list",
                            "data": data,
                            "model": body["model"],
                            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                        },
                    )
                return self._send(
                    404,
                    {
                        "error": {
                            "message": f"no route {self.path}",
                            "type": "invalid_request_error",
                        }
                    },
                )

        return Handler

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    try:
        yield fake
    finally:
        fake.stop()
