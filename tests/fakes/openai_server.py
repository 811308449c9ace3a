"""Local HTTP servers that speak the OpenAI and Anthropic REST APIs, faults included.

Local HTTP servers that speak the OpenAI and Anthropic REST APIs' shapes, for pointing the
real `openai` and `anthropic` SDKs at in tests. They record requests and can be told to be
slow, or to fail the next calls: an HTTP error with headers (429 with retry-after, 500, 529),
a malformed body, or a hang longer than the client's timeout."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from tests.fakes.base import parse_multipart


def fake_vector(text: str, dimensions: int) -> list[float]:
    """Deterministic per text, so tests can predict neighbours."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    vector = np.random.default_rng(seed).standard_normal(dimensions)
    return (vector * 3).tolist()  # not normalised: the client must normalise


class Fault:
    """What the next request gets instead of a real answer."""

    def __init__(
        self,
        status: int = 500,
        body: dict | None = None,
        *,
        headers: dict[str, str] | None = None,
        malformed: bool = False,
        hang: float = 0.0,
    ) -> None:
        self.status, self.body, self.headers = status, body or {}, headers or {}
        self.malformed, self.hang = malformed, hang


class _FakeServer:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        # (status, body) tuples or Fault objects, served before real answers
        self.fail_next: list[Any] = []
        self.delay = 0.0  # seconds every answer takes
        # The answer's text, or a function of the request's body that returns it.
        self.reply: Any = "<post>A draft from the fake model about the topic.</post>"
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def reply_to(self, body: dict) -> str:
        return self.reply(body) if callable(self.reply) else self.reply

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def answer(self, path: str, body: dict) -> tuple[int, dict]:
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: dict | bytes, headers: dict | None = None) -> None:
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)  # the client may have given up (timeout tests)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("multipart/form-data"):
                    body = _multipart(content_type, raw)
                else:
                    body = json.loads(raw or b"{}")
                with fake._lock:
                    fake.requests.append(
                        {
                            "path": self.path,
                            "body": body,
                            "auth": self.headers.get("Authorization"),
                            "api_key": self.headers.get("x-api-key"),
                            "at": time.monotonic(),
                        }
                    )
                    fault = fake.fail_next.pop(0) if fake.fail_next else None
                if isinstance(fault, tuple):
                    fault = Fault(*fault)
                if fault is not None:
                    if fault.hang:
                        time.sleep(fault.hang)
                        return self._send(200, {"late": True})
                    if fault.malformed:
                        return self._send(200, b'{"choices": [ this is not json')
                    return self._send(fault.status, fault.body, fault.headers)
                if fake.delay:
                    time.sleep(fake.delay)
                status, answer = fake.answer(self.path, body)
                return self._send(status, answer)

        return Handler

    def start(self) -> _FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _multipart(content_type: str, raw: bytes) -> dict:
    """A multipart form (audio uploads): fields as text, files as {filename, size, type}."""
    fields, files = parse_multipart(content_type, raw)
    return {
        **fields,
        **{
            name: {"filename": filename, "size": len(data), "type": kind}
            for name, (filename, data, kind) in files.items()
        },
    }


# The formats OpenAI's audio endpoints take, and its answer to any other.
AUDIO_FORMATS = ["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"]


def _not_found(path: str) -> tuple[int, dict]:
    return 404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}}


class FakeOpenAI(_FakeServer):
    transcript = ""  # what /v1/audio/transcriptions answers

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, path: str, body: dict) -> tuple[int, dict]:
        if path == "/v1/embeddings":
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            dims = body.get("dimensions", 1536)
            data = [
                {"object": "embedding", "index": i, "embedding": fake_vector(t, dims)}
                for i, t in enumerate(inputs)
            ]
            data.reverse()  # the API does not promise order; the client sorts by index
            tokens = sum(len(t.split()) for t in inputs)
            return 200, {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        if path == "/v1/audio/transcriptions":
            upload = body.get("file")
            if not isinstance(upload, dict) or not body.get("model"):
                return 400, {
                    "error": {
                        "message": "you must provide a model and a file",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                }
            if upload["filename"].rsplit(".", 1)[-1].lower() not in AUDIO_FORMATS:
                return 400, {
                    "error": {
                        "message": f"Invalid file format. Supported formats: {AUDIO_FORMATS}",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                }
            # What the fake "hears": the test says it (a fake cannot recognise speech).
            return 200, {"text": self.transcript or ""}
        if path == "/v1/chat/completions":
            prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
            reply = self.reply_to(body)
            return 200, {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(reply.split()),
                    "total_tokens": prompt_tokens + len(reply.split()),
                },
            }
        return _not_found(path)


class FakeAnthropic(_FakeServer):
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, body: dict) -> tuple[int, dict]:
        if path != "/v1/messages":
            return _not_found(path)
        input_tokens = len(body.get("system", "").split()) + sum(
            len(m["content"].split()) for m in body["messages"]
        )
        return 200, {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": self.reply_to(body)}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": len(self.reply_to(body).split()),
            },
        }


@contextmanager
def running_fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    try:
        yield fake
    finally:
        fake.stop()


@contextmanager
def running_fake_anthropic() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    try:
        yield fake
    finally:
        fake.stop()
