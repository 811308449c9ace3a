"""The one way out.

Every outbound HTTP request (publishers, OAuth, trend sources, metric sync, model providers, Stripe,
webhooks) goes through a client made here.

What it guarantees, whatever URL a tenant typed:
- the host is resolved *before* connecting, and every address it resolves to is checked:
  loopback, private, link-local (cloud metadata lives there), CGNAT, multicast, unspecified,
  reserved, IPv6 unique-local and site-local, and IPv4 carried inside IPv6 (mapped, 6to4,
  Teredo, NAT64) are refused unless the operator allows them (ALLOW_PRIVATE_HOSTS);
- the connection goes to the very address that was checked (the check lives in the socket
  layer, httpcore's network backend), so there is no window for DNS rebinding, and TLS still
  verifies the host name (SNI and the certificate use the name, not the address);
- redirects are followed at most MAX_REDIRECTS times and each hop connects through the same
  check; only http and https are spoken;
- every answer's body is capped while it streams (`read_capped` for a per-use cap on the
  decoded body; the transport caps what any SDK reads at MAX_RESPONSE_BYTES);
- connect and read time out everywhere; no proxy settings from the environment are used (a
  proxy would be the one connected to, and checked).

A refusal is `EgressRefused`, a sentence a creator can read (it never contains what a remote
server answered). Forms call `check_url` at save time; the fetch checks again."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

MAX_REDIRECTS = 5
MAX_RESPONSE_BYTES = 20 * 1024 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# Addresses that are "global" to Python but are where clouds answer metadata questions.
_METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)


class EgressRefused(Exception):
    """An address we do not connect to, in words (for forms, logs and the activity log)."""


class ResponseTooLarge(Exception):
    """An answer longer than the cap for its use."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The answer is larger than {_size(limit)}.")
        self.limit = limit


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


# --- The policy --------------------------------------------------------------------------------


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo's client, NAT64), if any."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def forbidden_because(address: IPAddress) -> str:
    """Why we never connect to this address ("" when it is a public one)."""
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)):
        reason = forbidden_because(inner)
        return f"{reason} (written as IPv6)" if reason else ""
    if address in _METADATA:
        return "a cloud metadata address"
    if address.is_unspecified:
        return "an unspecified address (0.0.0.0 or ::)"
    if address.is_loopback:
        return "this machine (loopback)"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_private or address.is_reserved or not address.is_global:
        return "a private network address"
    return ""


@lru_cache(maxsize=8)
def _allowances(entries: tuple[str, ...]) -> tuple[frozenset[str], tuple[Any, ...]]:
    names, networks = set(), []
    for entry in entries:
        entry = entry.strip().lower().strip("[]")
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip("."))
    return frozenset(names), tuple(networks)


def _allowed(host: str, address: IPAddress) -> bool:
    """The operator's opt-in (ALLOW_PRIVATE_HOSTS): a host name, an address or a network."""
    names, networks = _allowances(tuple(settings.ALLOW_PRIVATE_HOSTS))
    if host.lower().rstrip(".") in names:
        return True
    return any(address.version == net.version and address in net for net in networks)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host name resolves to (a literal address is itself).

    Tests replace `socket.getaddrinfo` to play DNS, never this function."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise EgressRefused(f"The server “{host}” could not be found.") from error
    seen: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in seen:
            seen.append(address)
    return seen


def checked_addresses(host: str, port: int) -> list[IPAddress]:
    """The addresses to connect to for host:port, or EgressRefused when any is off limits.

    A name that resolves to a public and a private address is refused as a whole."""
    addresses = resolve(host, port)
    for address in addresses:
        if (reason := forbidden_because(address)) and not _allowed(host, address):
            raise EgressRefused(
                f"“{host}” is {reason}; ContentTwin does not connect there. "
                "An operator can allow it with ALLOW_PRIVATE_HOSTS."
            )
    return addresses


def check_url(url: str, *, resolve_host: bool = True) -> None:
    """A form's check when a URL is saved.

    Http(s) only, a host, a valid port, and (when it resolves now) no forbidden address. A name that
    does not resolve today is left to the fetch, which checks again."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise EgressRefused(
            "That address is not valid (its port or host cannot be read)."
        ) from error
    if parts.scheme not in ("http", "https"):
        raise EgressRefused("Only http:// and https:// addresses can be used.")
    host = parts.hostname or ""
    if not host:
        raise EgressRefused("That address has no server name.")
    if parts.username or parts.password:
        raise EgressRefused("Put credentials in their own field, not in the address.")
    if not resolve_host:
        return
    try:
        checked_addresses(host, port or (443 if parts.scheme == "https" else 80))
    except EgressRefused as error:
        if "could not be found" in str(error):
            return
        raise


def url_problem(url: str) -> str:
    """check_url's refusal in words, or "" (for forms: `if problem := url_problem(...)`)."""
    try:
        check_url(url)
    except EgressRefused as error:
        return str(error)
    return ""


# --- The transport -----------------------------------------------------------------------------


def _guarded_transport_class(httpx_module: Any, httpcore_module: Any) -> type:
    """The guarded transport for one flavour of httpx.

    `httpx` (ours, Stripe's, the model SDKs accept it) or `httpx2` (what authlib's OAuth client is
    built on)."""

    class GuardedBackend(httpcore_module.NetworkBackend):
        """httpcore's socket layer with the check in front.

        Resolve once, check, connect to the checked address. TLS is started afterwards by httpcore
        with the host *name*."""

        def __init__(self) -> None:
            self._sync = httpcore_module.SyncBackend()

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> Any:
            last: Exception | None = None
            for address in checked_addresses(host, port):
                try:
                    return self._sync.connect_tcp(
                        str(address), port, timeout, local_address, socket_options
                    )
                except httpcore_module.ConnectError as error:  # the next address
                    last = error
            raise last or httpcore_module.ConnectError(f"No address for {host}")

        def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
            raise EgressRefused("Unix sockets are not an outbound destination.")

        def sleep(self, seconds: float) -> None:
            self._sync.sleep(seconds)

    class CappedStream(httpx_module.SyncByteStream):
        def __init__(self, stream: Any, limit: int) -> None:
            self._stream, self._limit = stream, limit

        def __iter__(self) -> Iterator[bytes]:
            seen = 0
            for chunk in self._stream:
                seen += len(chunk)
                if seen > self._limit:
                    raise ResponseTooLarge(self._limit)
                yield chunk

        def close(self) -> None:
            self._stream.close()

    class GuardedTransport(httpx_module.HTTPTransport):
        """httpx's transport over the guarded backend, the body capped.

        httpx's own transport (its request handling and error mapping) over the guarded
        backend, with the raw body capped at `max_response_bytes`."""

        def __init__(self, *, limits: Any, max_response_bytes: int) -> None:
            super().__init__(trust_env=False)
            self._pool = httpcore_module.ConnectionPool(
                ssl_context=httpx_module.create_ssl_context(trust_env=False),
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                network_backend=GuardedBackend(),
            )
            self._max_response_bytes = max_response_bytes

        def handle_request(self, request: Any) -> Any:
            response = super().handle_request(request)
            response.stream = CappedStream(response.stream, self._max_response_bytes)
            return response

    return GuardedTransport


@lru_cache(maxsize=2)
def _transport_class(flavour: str) -> type:
    if flavour == "httpx2":
        import httpcore2
        import httpx2

        return _guarded_transport_class(httpx2, httpcore2)
    return _guarded_transport_class(httpx, httpcore)


def client(
    *,
    timeout: float | httpx.Timeout,
    follow_redirects: bool = False,
    max_connections: int = 20,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
    flavour: str = "httpx",
    **kwargs: Any,
) -> Any:
    """An httpx client whose every connection passes the check.

    Pass it to an SDK as its `http_client`: the Anthropic SDK wants `flavour="httpx2"`."""
    module: Any = httpx
    if flavour == "httpx2":
        import httpx2

        module = httpx2
    if not isinstance(timeout, (httpx.Timeout, module.Timeout)):
        timeout = module.Timeout(timeout, connect=min(float(timeout), 5.0))
    return module.Client(
        transport=transport(
            max_connections=max_connections,
            max_response_bytes=max_response_bytes,
            flavour=flavour,
        ),
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
        **kwargs,
    )


def transport(
    *,
    max_connections: int = 20,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
    flavour: str = "httpx",
) -> Any:
    """The guarded transport alone (authlib's OAuth client takes `flavour="httpx2"`)."""
    limits_class: Any = httpx.Limits
    if flavour == "httpx2":
        import httpx2

        limits_class = httpx2.Limits
    return _transport_class(flavour)(
        limits=limits_class(
            max_connections=max_connections,
            max_keepalive_connections=max(1, max_connections // 2),
        ),
        max_response_bytes=max_response_bytes,
    )


def read_capped(response: httpx.Response, limit: int) -> bytes:
    """A streamed answer's decoded body, stopping as soon as it passes `limit` bytes.

    A 200 MB feed costs at most `limit` of memory and the time to read that much."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge(limit)
    chunks, seen = [], 0
    for chunk in response.iter_bytes():
        seen += len(chunk)
        if seen > limit:
            raise ResponseTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def refusal_in(error: BaseException | None) -> EgressRefused | None:
    """The EgressRefused behind an SDK's or httpx's own exception, if that is what it was."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, EgressRefused):
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


_shared: dict[tuple[int, str, str], Any] = {}
_shared_lock = threading.Lock()


def shared_client(
    purpose: str, *, timeout: float, max_connections: int = 50, flavour: str = "httpx"
) -> Any:
    """One long-lived client per process and purpose.

    Building one loads the CA bundle (~70 ms) and keeps connections to the platforms open between
    requests. Made after a fork, never inherited."""
    key = (os.getpid(), purpose, flavour)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = client(timeout=timeout, max_connections=max_connections, flavour=flavour)
        return _shared[key]


def validate_public_url(value: str) -> None:
    """A form field validator: the URL's server must be one ContentTwin may connect to."""
    from django.core.exceptions import ValidationError

    if problem := url_problem(value):
        raise ValidationError(problem, code="egress")


def web_url(value: object) -> str:
    """`value` when it is an http(s) address with a host, else "".

    Links that come from outside (feeds, platforms, webhooks, a teammate's "it's there") are only
    ever stored and rendered as links when they are web pages — never `javascript:` or `data:`."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that cannot be read
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return text
