"""`Idempotency-Key` on the API's POSTs.

The same key and body get the first answer again (a retried request never schedules twice); the same
key with another body is a 409."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from api.http import problem
from api.models import IdempotentRequest
from api.tokens import digest_of

PREFIX = "/api/v1/"
KEEP = timedelta(hours=24)
MAX_KEY = 255


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key", "")
        if request.method != "POST" or not key or not request.path.startswith(PREFIX):
            return self.get_response(request)
        if len(key) > MAX_KEY:
            return problem(request, 400, f"An Idempotency-Key is at most {MAX_KEY} characters.")
        token = request.headers.get("Authorization", "").partition(" ")[2].strip()
        owner = digest_of(token)
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    token_digest=owner, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            return self._again(request, owner, key, fingerprint)
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code in (401, 429):
            row.delete()  # not an answer to keep: the same key may try again
            return response
        IdempotentRequest.objects.filter(pk=row.pk).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
            location=response.get("Location", ""),
        )
        return response

    def _again(self, request: HttpRequest, owner: str, key: str, fingerprint: str) -> HttpResponse:
        kept = IdempotentRequest.objects.filter(token_digest=owner, key=key).first()
        if kept is None:  # forgotten between the insert and this read: try once more
            return problem(request, 409, "That Idempotency-Key was just used; send it again.")
        if kept.fingerprint != fingerprint:
            return problem(
                request,
                409,
                "This Idempotency-Key was used with another request; use a new key for a new "
                "request.",
            )
        if kept.status_code is None:
            return problem(
                request,
                409,
                "A request with this Idempotency-Key is still being answered; retry shortly.",
                headers={"Retry-After": "1"},
            )
        response = HttpResponse(
            bytes(kept.body), status=kept.status_code, content_type=kept.content_type
        )
        if kept.location:
            response["Location"] = kept.location
        response["Idempotent-Replayed"] = "true"
        return response


def _fingerprint(request: HttpRequest) -> str:
    """The request's method, path, query and body, hashed.

    An upload's files by their content, read from the parsed upload: a whole file is never held as
    one body in memory."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        for name, value in sorted(request.POST.items()):
            digest.update(f"{name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def forget_old_keys() -> int:
    """Keys older than a day are forgotten (the beat's daily sweep)."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
