"""What the loopback fakes of external platforms share.

A threaded HTTP server on 127.0.0.1 with routes, JSON / form bodies, a log of requests, and fault
injection.

Faults, for the next matching requests (`fail_next`) or at random (`fault_rate`):
- ("drop",): the route runs (the post is made), then the connection closes unanswered
- ("slow", seconds): answers after a delay (longer than the client's timeout: a timeout)
- (status, body, headers): that HTTP answer instead of the route's, e.g. a 429 with
  Retry-After, a 500, a 401 for an expired token

And a minimal OAuth 2.0 authorisation server (`OAuthServer`): an authorise page with an
"Authorize" button that redirects back with a code and the state, a token endpoint that
checks the client, the code, the redirect URI and PKCE, and refresh tokens that rotate
(a used one is invalid_grant)."""

from __future__ import annotations

import base64
import email.policy
import hashlib
import html
import itertools
import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


class Request:
    def __init__(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.method = method
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.headers = handler.headers
        length = int(handler.headers.get("Content-Length", 0) or 0)
        self.raw = handler.rfile.read(length) if length else b""
        kind = handler.headers.get("Content-Type", "")
        self.files: dict[str, tuple[str, bytes, str]] = {}
        if kind.startswith("multipart/form-data"):
            self.body = self._multipart(kind)
        elif "json" in kind and self.raw:
            self.body = json.loads(self.raw)
        elif self.raw and "x-www-form-urlencoded" in kind:
            self.body = {k: v[-1] for k, v in parse_qs(self.raw.decode()).items()}
        else:
            self.body = {}
        self.form = self.body if isinstance(self.body, dict) else {}

    def _multipart(self, kind: str) -> dict[str, str]:
        """Text fields; files go to self.files as (filename, bytes, content type)."""
        fields, self.files = parse_multipart(kind, self.raw)
        return fields

    @property
    def bearer(self) -> str:
        value = self.headers.get("Authorization", "")
        return value.removeprefix("Bearer ") if value.startswith("Bearer ") else ""


def parse_multipart(
    content_type: str, raw: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """A multipart/form-data body: (text fields, files as (filename, bytes, content type))."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files[name] = (part.get_filename(), payload, part.get_content_type())
        else:
            fields[name] = payload.decode()
    return fields, files


# A route answers (status, body, headers); a str body is sent as HTML.
Answer = tuple[int, Any, dict[str, str]]
Route = Callable[[Request], Answer]


class FakeServer:
    # Requests whose path starts with one of these can be faulted (the platform's API calls,
    # not the OAuth pages).
    faultable: tuple[str, ...] = ("/",)

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.prefix_routes: list[tuple[str, str, Route]] = []
        self.log: list[tuple[str, str]] = []
        self.fail_next: list[tuple[Any, ...]] = []
        self.fault_rate = 0.0
        self._random = random.Random(7)
        self.ids = itertools.count(100)
        self.lock = threading.RLock()
        self.host = host
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def route(self, method: str, path: str, handler: Route, *, prefix: bool = False) -> None:
        if prefix:
            self.prefix_routes.append((method, path, handler))
        else:
            self.routes[(method, path)] = handler

    def _find(self, method: str, path: str) -> Route | None:
        if (method, path) in self.routes:
            return self.routes[(method, path)]
        for m, start, handler in self.prefix_routes:
            if m == method and path.startswith(start):
                return handler
        return None

    def _fault(self, path: str) -> tuple[Any, ...] | None:
        if not path.startswith(self.faultable):
            return None
        with self.lock:
            if self.fail_next:
                return self.fail_next.pop(0)
            if self._random.random() < self.fault_rate:
                return self._random.choice(
                    [
                        (429, {"error": "Too many requests"}, {"Retry-After": "5"}),
                        (500, {"error": "Internal server error"}, {}),
                        ("drop",),
                    ]
                )
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add 40 ms to every answer on a kept-alive connection.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                if isinstance(body, str):
                    payload, kind = body.encode(), "text/html; charset=utf-8"
                else:
                    payload, kind = json.dumps(body).encode(), "application/json"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _serve(self, method: str) -> None:
                request = Request(self, method)
                with fake.lock:
                    fake.log.append((method, request.path))
                handler = fake._find(method, request.path)
                if handler is None:
                    return self._send(404, {"error": "Not found"})
                fault = fake._fault(request.path)
                if fault and fault[0] == "slow":
                    time.sleep(fault[1])
                elif fault and fault[0] == "drop":
                    handler(request)  # it happens, but the client never hears back
                    self.close_connection = True
                    self.connection.close()
                    return None
                elif fault:
                    return self._send(*fault)
                return self._send(*handler(request))

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def do_PUT(self) -> None:
                self._serve("PUT")

        return Handler


class OAuthServer:
    """Authorisation code grant (+ PKCE S256) and refresh tokens, mounted on a FakeServer."""

    def __init__(
        self,
        server: FakeServer,
        *,
        authorize_path: str,
        token_path: str,
        client_id: str = "client-1",
        client_secret: str = "secret-1",
        expires_in: int | None = 7200,
        refresh: bool = True,
        token_method: str = "POST",
    ) -> None:
        self.server = server
        self.clients = {client_id: client_secret}
        self.expires_in, self.refresh = expires_in, refresh
        self.codes: dict[str, dict[str, str]] = {}
        self.access_tokens: dict[str, str] = {}  # token -> user id
        self.refresh_tokens: dict[str, str] = {}
        self.user_id = "1001"
        server.route("GET", authorize_path, self._authorize_page)
        server.route("POST", authorize_path, self._authorize)
        server.route(token_method, token_path, self._token)

    def issue(self, user_id: str | None = None) -> dict[str, Any]:
        token = f"at-{secrets.token_hex(8)}"
        self.access_tokens[token] = user_id or self.user_id
        answer: dict[str, Any] = {"access_token": token, "token_type": "bearer"}
        if self.expires_in:
            answer["expires_in"] = self.expires_in
        if self.refresh:
            refresh = f"rt-{secrets.token_hex(8)}"
            self.refresh_tokens[refresh] = user_id or self.user_id
            answer["refresh_token"] = refresh
        return answer

    def user_for(self, request: Request) -> str | None:
        token = (
            request.bearer
            or request.query.get("access_token")
            or request.form.get("access_token", "")
        )
        return self.access_tokens.get(token)

    def _authorize_page(self, request: Request) -> Answer:
        q = request.query
        if q.get("client_id") not in self.clients:
            return 400, "<p>Unknown client</p>", {}
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in q.items()
        )
        page = (
            "<!doctype html><title>Authorize</title><h1>Authorize ContentTwin?</h1>"
            f"<p>Scopes: {html.escape(q.get('scope', ''))}</p>"
            f'<form method="post">{hidden}<button type="submit">Authorize</button></form>'
        )
        return 200, page, {}

    def _authorize(self, request: Request) -> Answer:
        f = request.form
        code = secrets.token_hex(8)
        self.codes[code] = {
            "client_id": f.get("client_id", ""),
            "redirect_uri": f.get("redirect_uri", ""),
            "challenge": f.get("code_challenge", ""),
        }
        target = f"{f['redirect_uri']}?{urlencode({'code': code, 'state': f.get('state', '')})}"
        return 302, "", {"Location": target}

    def _client(self, request: Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            data = {**request.query, **request.form}
            client_id, secret = data.get("client_id", ""), data.get("client_secret", "")
        return client_id if self.clients.get(client_id) == secret else None

    def _token(self, request: Request) -> Answer:
        data = {**request.query, **request.form}
        if data.get("grant_type") == "refresh_token":
            user = self.refresh_tokens.pop(data.get("refresh_token", ""), None)
            if user is None:
                return (
                    400,
                    {"error": "invalid_grant", "error_description": "Refresh token is invalid"},
                    {},
                )
            return 200, self.issue(user), {}
        client_id = self._client(request)
        if client_id is None:
            return 401, {"error": "invalid_client"}, {}
        grant = self.codes.pop(data.get("code", ""), None)
        if grant is None or grant["client_id"] != client_id:
            return 400, {"error": "invalid_grant", "error_description": "Unknown code"}, {}
        if grant["redirect_uri"] != data.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}, {}
        if grant["challenge"]:
            verifier = data.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE failed"}, {}
        return 200, self.issue(), {}
