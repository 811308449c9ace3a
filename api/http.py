"""The API's plumbing.

The NinjaAPI object, token authentication with scopes and per-token rate limits, errors as RFC 9457
problem details, and cursor pagination.

Endpoints (api/endpoints/) only parse, call the same selectors and services the pages call, and
shape the answer."""

from __future__ import annotations

import base64
import binascii
import inspect
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from http import HTTPStatus
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.security import HttpBearer
from pydantic import model_validator

from api.tokens import Caller, token_authenticate

logger = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ctw_…`.

    The caller (token, user, workspace, role) as `request.caller`, counted against the token's rate
    limit."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        caller = token_authenticate(token.strip())
        if caller is None:
            return None
        count_against_limit(caller)
        setattr(request, "caller", caller)  # noqa: B010 (read by the endpoints)
        return caller


def count_against_limit(caller: Caller) -> None:
    """A fixed window per token in Redis (settings.API_RATE_LIMIT requests a minute).

    Without Redis there is no limit rather than no API."""
    per_minute = settings.API_RATE_LIMIT
    if not per_minute:
        return
    window = int(time.time() // 60)
    key = f"api-rate:{caller.token.pk}:{window}"
    try:
        cache.add(key, 0, 120)
        used = cache.incr(key)
    except Exception:
        return
    if used > per_minute:
        raise RateLimited(retry_after=60 - int(time.time()) % 60 or 1)


def known_query_only(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (400) query parameters an operation does not take.

    A typo such as `?perona=3` would otherwise act silently on the first persona. (A ninja
    "view" decorator, wrapping the operation's `run`.)"""
    operation = getattr(run, "__self__")  # noqa: B009 (the bound Operation)
    taken = set(inspect.signature(operation.view_func).parameters) - {"request"}

    @wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return problem(request, 400, "A query parameter holds a NUL character.")
        unknown = sorted(set(request.GET) - taken)
        if unknown:
            return problem(
                request,
                400,
                f"Unknown query parameter {', '.join(repr(u) for u in unknown)}; this operation "
                f"takes: {', '.join(sorted(taken)) or 'none'}.",
            )
        return run(request, *args, **kwargs)

    return checked


def _without_nul(value: Any) -> Any:
    """Text with its NUL characters taken out: PostgreSQL text cannot hold them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


class BodySchema(Schema):
    """A request body, which is a JSON object.

    ninja reads attributes off anything it is given: without this, a JSON string "AAA" became
    an idea titled "Aaa" (through str.title)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        # ninja's own validator runs first and hands the data on wrapped (a DjangoGetter).
        data = getattr(value, "_obj", value)
        if not isinstance(data, dict):
            raise ValueError("the body is a JSON object")
        return _without_nul(data)


def caller_of(request: HttpRequest, scope: str) -> Caller:
    """The request's caller, refused (403) when its token lacks `scope`."""
    caller = cast(Caller, getattr(request, "caller"))  # noqa: B009 (set by TokenAuth)
    if not caller.may(scope):
        raise PermissionDenied(f"This token lacks the “{scope}” scope.")
    return caller


# Every answer the API may give besides its success, documented on every operation so a client
# (and schemathesis) knows each one's shape: RFC 9457 problem details.
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array"},
    },
}
PROBLEMS = {
    "400": "The request cannot be read (a cursor this API did not give out, a key too long).",
    "401": "No valid API token.",
    "403": "The token's scopes or the user's role do not allow this.",
    "404": "Nothing with this id in the token's workspace.",
    "409": "The Idempotency-Key was used with another request, or is still being answered.",
    "422": "The request is well formed but refused; `detail` says why, in words.",
    "429": "Over the token's rate limit; `Retry-After` says when to come back.",
}


class ContentTwinAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem_body = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in document["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in PROBLEMS.items():
                    responses.setdefault(
                        status, {"description": description, "content": problem_body}
                    )
                responses["429"]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}
                }
        return document


api = ContentTwinAPI(
    title="ContentTwin API",
    version="1",
    description=(
        "Schedule into ContentTwin, read from it, score any text against a creator's voice and "
        "write drafts grounded in their own posts. Authenticate with a personal API token "
        "(`Authorization: Bearer ctw_…`, made in Settings → API tokens). Every POST takes an "
        "`Idempotency-Key`; errors are RFC 9457 problem details; times are ISO 8601 with an "
        "offset; lists are paged with an opaque `cursor`."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
)


def problem(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    errors: Sequence[Any] = (),
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """An RFC 9457 problem details answer."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = list(errors)
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _handler(status: int, detail: Callable[[Any], str]) -> Callable[[HttpRequest, Any], Any]:
    def handle(request: HttpRequest, error: Any) -> HttpResponse:
        return problem(request, status, detail(error))

    return handle


def _in_words(error: dict[str, Any]) -> str:
    """pydantic's message, but a blank text is said as such (not as a regular expression)."""
    if (
        error.get("type") == "string_pattern_mismatch"
        and (error.get("ctx") or {}).get("pattern") == r"\S"
    ):
        return "cannot be empty"
    return str(error.get("msg", ""))


@api.exception_handler(SchemaError)
def _schema_error(request: HttpRequest, error: SchemaError) -> HttpResponse:
    errors = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": _in_words(e)} for e in error.errors
    ]
    where = "; ".join(f"{'.'.join(e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in errors)
    return problem(request, 422, f"The request does not match the schema: {where}", errors=errors)


@api.exception_handler(ValidationError)
def _refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return problem(request, 422, " ".join(error.messages), errors=error.messages)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError | None = None) -> HttpResponse:
    return problem(
        request,
        401,
        "Send a valid API token: Authorization: Bearer ctw_… (unknown, revoked or expired "
        "tokens, and tokens of someone no longer in the workspace, are refused).",
        headers={"WWW-Authenticate": 'Bearer realm="ContentTwin"'},
    )


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    return problem(
        request,
        429,
        f"Too many requests with this token: at most {settings.API_RATE_LIMIT} a minute. "
        f"Try again in {error.retry_after} s.",
        headers={"Retry-After": str(error.retry_after)},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem(request, error.status_code, str(error))


api.exception_handler(PermissionDenied)(
    _handler(403, lambda e: str(e) or "Your role in this workspace does not allow this.")
)
api.exception_handler(Http404)(
    _handler(404, lambda e: "Nothing with this id in the token's workspace.")
)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return problem(request, 500, "Something went wrong on our side; it has been logged.")


def json_answer(payload: Any, status: int = 200) -> HttpResponse:
    """An answer written straight to JSON, times in ISO 8601 with their offset.

    For a list too long to validate item by item on every request (schemathesis holds its
    shape to the document)."""
    return HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder), status=status, content_type="application/json"
    )


# --- Cursor pagination ---------------------------------------------------------------------------


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, "That cursor is not one this API gave out.") from None
    if not isinstance(values, list):
        raise HttpError(400, "That cursor is not one this API gave out.")
    return values


def keyset_cursor(at: datetime, last_id: int) -> str:
    """The cursor after a row ordered by (time, id), newest first."""
    return _encode([at.isoformat(), last_id])


def after_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (time, id) a `keyset_cursor` holds, or None for the first page."""
    if not cursor:
        return None
    values = _decode(cursor)
    try:
        at, last_id = values
        return datetime.fromisoformat(at), int(last_id)
    except (TypeError, ValueError):
        raise HttpError(400, "That cursor is not one this API gave out.") from None


def paged(queryset: QuerySet[Any], *, order: str, cursor: str | None, limit: int) -> Page:
    """One page of `queryset` in `order`, after the row the cursor names.

    One page of `queryset` ordered by `order` (a field, "-" for newest first) then by id in
    the same direction; the cursor holds the last row's values, so pages never repeat or skip a
    row when rows are added meanwhile."""
    field = order.lstrip("-")
    descending = order.startswith("-")
    rows = queryset.order_by(order, "-pk" if descending else "pk")
    if cursor:
        values = _decode(cursor)
        if len(values) != 2:
            raise HttpError(400, "That cursor is not one this API gave out.")
        value, last_id = values
        if field != "pk" and value is not None:
            lookup = "lt" if descending else "gt"
            rows = rows.filter(
                Q(**{f"{field}__{lookup}": value}) | Q(**{field: value, f"pk__{lookup}": last_id})
            )
        else:
            rows = rows.filter(**{f"pk__{'lt' if descending else 'gt'}": last_id})
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    next_cursor = None
    if more and found:
        last = found[-1]  # a model instance, or a row from .values()
        row = last if isinstance(last, dict) else {"pk": last.pk, field: getattr(last, field)}
        last_id = row.get("pk", row.get("id"))
        at: Any = last_id if field == "pk" else row[field]
        next_cursor = _encode([at.isoformat() if hasattr(at, "isoformat") else at, last_id])
    return Page(found, next_cursor)
