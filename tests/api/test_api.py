"""The public REST API with a real token.

Tokens (shown once, stored as a digest, scopes, roles, expiry, revocation, rate limits), problem
details, idempotent POSTs, cursor pages, and each area's endpoints calling the same services as the
pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from api import tokens
from api.models import ApiToken, Scope
from publishing.models import Publication, Target, TargetState
from tests.factories import (
    PersonaFactory,
    PostFactory,
    PublicationFactory,
    PublishingAccountFactory,
    UserFactory,
)
from tests.helpers import personal_workspace

pytestmark = pytest.mark.django_db
API = "/api/v1"


def token_for(user, workspace, scopes=tuple(Scope.values), role="owner", **extra) -> str:
    return tokens.token_create(
        workspace=workspace, user=user, role=role, name="test", scopes=list(scopes), **extra
    )[1]


def call(method: str, path: str, token: str | None, body=None, **headers):
    client = Client()
    kwargs = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if token:
        kwargs["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if body is not None:
        kwargs["data"] = json.dumps(body)
        kwargs["content_type"] = "application/json"
    return getattr(client, method)(f"{API}{path}", **kwargs)


@pytest.fixture
def token(owner, workspace) -> str:
    return token_for(owner, workspace)


@pytest.fixture
def account(workspace):
    return PublishingAccountFactory(workspace=workspace)


# --- Tokens ---------------------------------------------------------------------------------------


def test_a_token_is_shown_once_kept_as_a_digest_and_recognisable(owner_client, workspace):
    made = owner_client.post(reverse("api_tokens"), {"name": "n8n", "scopes": ["read", "write"]})
    assert made.status_code == 302  # then the page shows it, once: a reload makes no other
    page = owner_client.get(reverse("api_tokens")).content.decode()
    row = ApiToken.objects.get(workspace=workspace)
    shown = page.split('id="new-token-value" value="')[1].split('"')[0]
    assert shown.startswith("ctw_") and len(shown) == tokens.TOKEN_LENGTH
    typo = shown[:-1] + ("y" if shown.endswith("x") else "x")  # one character off
    assert tokens.well_formed(shown) and not tokens.well_formed(typo)
    assert shown not in str(ApiToken.objects.values().get(pk=row.pk))  # only its digest is kept
    assert row.digest == tokens.digest_of(shown) and row.scopes == ["read", "write"]
    again = owner_client.get(reverse("api_tokens")).content.decode()
    assert shown not in again and f"ctw_{row.lookup}…" in again  # never shown twice

    assert call("get", "/personas", shown).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None
    owner_client.post(reverse("api_token_revoke", args=[row.pk]))
    refused = call("get", "/personas", shown)
    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_expired_unknown_and_orphaned_tokens_are_refused(owner, workspace, teammate):
    expired = token_for(owner, workspace, expires_at=timezone.now() + timedelta(seconds=1))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert call("get", "/personas", expired).status_code == 401
    assert call("get", "/personas", "ctw_" + "a" * 50).status_code == 401
    theirs = token_for(teammate, workspace, role="editor")
    assert call("get", "/personas", theirs).status_code == 200
    Membership.objects.filter(user=teammate).delete()  # they left the workspace
    assert call("get", "/personas", theirs).status_code == 401


def test_scopes_and_roles_both_apply(owner, workspace, viewer, teammate, persona, account):
    read_only = token_for(owner, workspace, scopes=["read"])
    denied = call("post", "/ideas", read_only, {"title": "Pricing pages that say no"})
    assert denied.status_code == 403 and "“write” scope" in denied.json()["detail"]
    with pytest.raises(Exception, match="only make tokens that read"):
        token_for(viewer, workspace, scopes=["read", "write"], role="viewer")
    # an editor's write token stops writing the day they become a viewer
    theirs = token_for(teammate, workspace, role="editor")
    Membership.objects.filter(user=teammate).update(role="viewer")
    assert call("post", "/ideas", theirs, {"title": "An idea"}).status_code == 403
    assert call("get", "/ideas", theirs).status_code == 200


def test_a_token_over_its_rate_limit_is_told_when_to_come_back(
    token, settings, persona, monkeypatch
):
    from types import SimpleNamespace

    import api.http

    settings.API_RATE_LIMIT = 3
    # The window is the clock's minute: the four calls are made half a minute into one (made
    # across a minute's end, the fourth would rightly start a new window).
    monkeypatch.setattr(api.http, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    answers = [call("get", "/personas", token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) == 30  # until the window's minute ends
    assert answers[-1].json()["status"] == 429


# --- Problems, idempotency, pages -----------------------------------------------------------------


def test_errors_are_problem_details(token, persona):
    missing = call("get", "/publications/999999", token)
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert missing.json()["title"] == "Not Found" and missing.json()["instance"]
    bad = call("post", "/ideas", token, {"notes": "no title"})
    assert bad.status_code == 422 and "title" in bad.json()["detail"]
    blank = call("post", "/ideas", token, {"title": "   "})
    assert blank.status_code == 422 and blank.json()["detail"].endswith("title: cannot be empty")
    elsewhere = call("post", "/ideas", token, {"title": "Ideas", "persona": 2**62})
    assert elsewhere.status_code == 404
    typo = call("get", "/ideas?perona=3", token)
    assert typo.status_code == 400 and "'perona'" in typo.json()["detail"]
    as_string = call("post", "/ideas", token, "AAA")
    assert as_string.status_code == 422 and "JSON object" in as_string.json()["detail"]


def test_the_same_idempotency_key_answers_the_same_and_schedules_once(token, persona, account):
    body = {"persona": persona.pk, "text": "Shipping small, every week.", "accounts": [account.pk]}
    first = call("post", "/publications", token, body, idempotency_key="k-1")
    again = call("post", "/publications", token, body, idempotency_key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Publication.objects.filter(persona=persona).count() == 1
    other = call("post", "/publications", token, {**body, "text": "Other"}, idempotency_key="k-1")
    assert other.status_code == 409
    assert call("post", "/publications", token, body, idempotency_key="k-2").status_code == 201
    assert Publication.objects.filter(persona=persona).count() == 2


def test_cursor_pages_never_repeat_or_skip(token, persona, account):
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for n in range(7):
        publication = PublicationFactory(
            persona=persona, scheduled_at=start + timedelta(hours=n % 3)
        )
        Target.objects.create(publication=publication, account=account, due_at=start)
    seen, cursor = [], None
    while True:
        page = call("get", f"/publications?limit=3{f'&cursor={cursor}' if cursor else ''}", token)
        assert page.status_code == 200
        seen += [p["id"] for p in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    times = [call("get", f"/publications/{pk}", token).json()["scheduled_at"] for pk in seen]
    assert times == sorted(times, reverse=True) and times[0].endswith("Z")
    assert call("get", "/publications?cursor=garbage!", token).status_code == 400


# --- Areas ---------------------------------------------------------------------------------------


def test_publications_are_scheduled_cancelled_and_retried_as_the_pages_do(token, persona, account):
    made = call(
        "post",
        "/publications",
        token,
        {
            "persona": persona.pk,
            "text": "First part.\n---\nSecond part.",
            "accounts": [account.pk],
            "at": (timezone.now() + timedelta(days=1)).isoformat(),
            "first_comment": "Link in here.",
        },
    )
    assert made.status_code == 201, made.content
    publication = made.json()
    assert publication["targets"][0]["state"] == "scheduled"
    assert publication["first_comment"] == "Link in here."
    cancelled = call("post", f"/publications/{publication['id']}/cancel", token)
    assert cancelled.json()["changed"] == 1
    assert cancelled.json()["publication"]["targets"][0]["state"] == "cancelled"

    failed = PublicationFactory(persona=persona)
    Target.objects.create(
        publication=failed, account=account, due_at=timezone.now(), state=TargetState.DEAD
    )
    retried = call("post", f"/publications/{failed.pk}/retry", token)
    assert retried.json()["publication"]["targets"][0]["state"] == "scheduled"
    assert call("post", f"/publications/{failed.pk}/retry", token).status_code == 422

    past = call(
        "post",
        "/publications",
        token,
        {"text": "Late", "accounts": [account.pk], "at": "2020-01-01T09:00:00+00:00"},
    )
    assert past.status_code == 422 and "passed" in past.json()["detail"]


def test_posts_ideas_and_personas(token, persona):
    PostFactory(persona=persona, text="Pricing is a promise you make to your best customers.")
    PostFactory(persona=persona, text="Hiring slowly saved us twice; here is how we decide.")
    assert [p["name"] for p in call("get", "/personas", token).json()] == [persona.name]
    found = call("get", "/posts?q=pricing", token).json()["items"]
    assert [p["text"][:7] for p in found] == ["Pricing"]
    added = call(
        "post",
        "/posts",
        token,
        {"text": "A new post about pricing, for the voice to learn from today."},
    )
    assert added.status_code == 201 and added.json()["persona"] == persona.pk
    idea = call("post", "/ideas", token, {"title": "Why we never discount"})
    assert idea.status_code == 201 and idea.json()["status"] == "new"
    assert [i["title"] for i in call("get", "/ideas", token).json()["items"]] == [
        "Why we never discount"
    ]


def test_another_workspaces_token_sees_nothing_and_changes_nothing(persona, account):
    stranger = UserFactory(email="other@example.com")
    theirs = token_for(stranger, personal_workspace(stranger))
    publication = PublicationFactory(persona=persona)
    assert call("get", "/personas", theirs).json() == []
    assert call("get", f"/posts?persona={persona.pk}", theirs).status_code == 404
    assert call("get", f"/publications/{publication.pk}", theirs).status_code == 404
    assert call("post", f"/publications/{publication.pk}/cancel", theirs).status_code == 404
    made = call(
        "post",
        "/publications",
        theirs,
        {"persona": persona.pk, "text": "Not yours", "accounts": [account.pk]},
    )
    assert made.status_code == 404
    PersonaFactory(workspace=personal_workspace(stranger))
    own = call(
        "post", "/publications", theirs, {"text": "Not your account", "accounts": [account.pk]}
    )
    assert own.status_code == 404 and Publication.objects.count() == 1


def test_the_openapi_document_and_its_reference_page(client):
    document = client.get(f"{API}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/voice/score" in document["paths"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    page = client.get(f"{API}/docs")
    assert page.status_code == 200 and "/static/ninja/swagger-ui-bundle.js" in page.content.decode()
    assert (
        "cdn" not in page.content.decode()
        and "script-src 'self'" in page["Content-Security-Policy"]
    )


def test_a_post_with_an_image_fetched_from_its_address(token, persona, account):
    from tests.composer.test_bulk import image_server

    with image_server() as base:
        made = call(
            "post",
            "/publications",
            token,
            {
                "text": "The chart that changed our pricing.",
                "accounts": [account.pk],
                "images": [{"url": f"{base}/chart.png", "alt": "Revenue by month"}],
            },
        )
        missing = call(
            "post",
            "/publications",
            token,
            {"text": "Again.", "accounts": [account.pk], "images": [{"url": f"{base}/gone.png"}]},
        )
    assert made.status_code == 201, made.content
    image = Publication.objects.get(pk=made.json()["id"]).images.get()
    assert image.alt_text == "Revenue by month"
    assert missing.status_code == 422 and "404" in missing.json()["detail"]
