"""The network boundary, tried as an attacker would.

A loopback canary server listens, and every outbound entry point a tenant's editor controls — a
trend source (feed, Hacker News base, Mastodon trends), the Mastodon server on connect, the Bluesky
PDS, a webhook channel, a model server — is given every spelling of an internal address. The canary
must see no request (only the operator's ALLOW_PRIVATE_HOSTS lets one through), the refusal is a
form error at save time and an error in words at fetch time, before any connection."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core import egress
from llm.models import ModelConnection
from llm.services import connection_test
from publishing import services as publishing_services
from publishing.models import Account, TargetState
from tests.factories import PersonaFactory, TrendSourceFactory
from tests.fakes.base import FakeServer
from tests.helpers import client_for
from tests.publishing.flows import run_sweep
from trends import services as trend_services
from trends.models import SourceKind, TrendSource

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.216.34"  # what a public name resolves to before it is rebound


@pytest.fixture
def canary():
    """Any request at all to it is a hole."""
    with FakeServer() as server:
        yield server


@pytest.fixture
def redirector(canary):
    """An allowed server (127.0.0.2) that sends every request on to the canary."""
    with FakeServer(host="127.0.0.2") as server:
        server.route(
            "GET", "/", lambda r: (302, "", {"Location": canary.base_url + "/x"}), prefix=True
        )
        server.route(
            "POST", "/", lambda r: (307, "", {"Location": canary.base_url + "/x"}), prefix=True
        )
        yield server


@pytest.fixture(autouse=True)
def _nothing_private_allowed(settings):
    settings.ALLOW_PRIVATE_HOSTS = []


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> dict[str, str]:
    """A resolver that plays DNS for the names an attacker controls.

    `internal.example` points at the canary; `rebind.example` answers a public address until the
    test rebinds it to loopback (after the form has checked it)."""
    real = socket.getaddrinfo
    answers = {"internal.example": "127.0.0.1", "rebind.example": PUBLIC}

    def getaddrinfo(host, port, *args, **kwargs):
        if (address := answers.get(str(host).lower())) is not None:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def spellings(canary: FakeServer) -> list[str]:
    port = canary.base_url.rsplit(":", 1)[1]
    return [
        f"http://127.0.0.1:{port}",
        f"http://localhost:{port}",
        f"http://127.1:{port}",
        f"http://0x7f000001:{port}",
        f"http://2130706433:{port}",
        f"http://[::1]:{port}",
        f"http://[::ffff:127.0.0.1]:{port}",
        f"http://0.0.0.0:{port}",
        "http://169.254.169.254",
        "http://[fd00:ec2::254]",
        f"http://internal.example:{port}",
    ]


def _refused(text: str) -> bool:
    return "does not connect there" in text or "could not be found" in text


# --- Every spelling, at the lowest level ---------------------------------------------------


def test_every_spelling_is_refused_before_any_connection(canary, fake_dns):
    fake_dns["rebind.example"] = "127.0.0.1"
    client = egress.client(timeout=2)
    for base in [*spellings(canary), "http://rebind.example:1"]:
        with pytest.raises(egress.EgressRefused):
            client.get(f"{base}/latest/meta-data/")
    assert canary.log == []


def test_the_operator_can_allow_one_host_and_only_that(canary, settings):
    settings.ALLOW_PRIVATE_HOSTS = ["127.0.0.1"]
    assert egress.client(timeout=2).get(f"{canary.base_url}/ok").status_code == 404
    assert len(canary.log) == 1
    with pytest.raises(egress.EgressRefused):  # the name is not on the list, nor ::1
        egress.client(timeout=2).get(f"http://[::1]:{canary.base_url.rsplit(':', 1)[1]}/")


def test_a_redirect_to_loopback_is_refused_at_the_hop(canary, redirector, settings):
    settings.ALLOW_PRIVATE_HOSTS = ["127.0.0.2"]
    with pytest.raises(egress.EgressRefused):
        egress.client(timeout=2, follow_redirects=True).get(f"{redirector.base_url}/feed")
    assert len(redirector.log) == 1 and canary.log == []


def test_a_body_is_cut_while_it_streams(canary, settings):
    settings.ALLOW_PRIVATE_HOSTS = ["127.0.0.1"]
    canary.route("GET", "/big", lambda r: (200, "x" * 3_000_000, {}))
    with (
        egress.client(timeout=5).stream("GET", f"{canary.base_url}/big") as response,
        pytest.raises(egress.ResponseTooLarge),
    ):
        egress.read_capped(response, 1_000_000)


# --- Trend sources ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [SourceKind.FEED, SourceKind.MASTODON])
def test_a_trend_source_is_refused_when_saved(kind, owner_client, canary):
    for base in spellings(canary):
        response = owner_client.post(
            reverse("trend_sources"),
            {"kind": kind, "name": "x", "url": f"{base}/feed", "interval_minutes": 60},
        )
        assert response.status_code == 422, base
    assert not TrendSource.objects.exists()
    assert canary.log == []


@pytest.mark.parametrize("kind", [SourceKind.FEED, SourceKind.HACKER_NEWS, SourceKind.MASTODON])
def test_a_trend_source_is_refused_again_when_read(
    kind, workspace, canary, redirector, settings, fake_dns
):
    """A saved source is checked again at the fetch, hop by hop.

    A row that got past the form (saved before, or a name rebound since) is checked again
    at the fetch, hop by hop: the scan records the refusal, never a port's state."""
    settings.ALLOW_PRIVATE_HOSTS = ["127.0.0.2"]
    urls = [
        *(f"{base}/feed" for base in spellings(canary)),
        f"{redirector.base_url}/feed",
        "http://rebind.example:80/feed",
    ]
    if kind == SourceKind.MASTODON:
        urls[-2] = redirector.base_url  # its /api/v1/trends/links redirects to the canary
    for url in urls:
        TrendSourceFactory(workspace=workspace, kind=kind, name=url[:90], url=url, query="x")
    fake_dns["rebind.example"] = "127.0.0.1"
    report = trend_services.workspace_scan(workspace_id=workspace.pk)
    assert report.failed == len(urls)
    errors = list(TrendSource.objects.values_list("last_error", flat=True))
    assert all(_refused(error) for error in errors), errors
    assert canary.log == []


def test_a_rebound_name_passes_the_form_and_is_refused_at_the_fetch(owner_client, canary, fake_dns):
    response = owner_client.post(
        reverse("trend_sources"),
        {
            "kind": SourceKind.FEED,
            "name": "rebinding",
            "url": "http://rebind.example/feed",
            "interval_minutes": 60,
            "enabled": "on",
        },
    )
    assert response.status_code == 302  # it resolved to a public address when saved
    fake_dns["rebind.example"] = "127.0.0.1"  # the attacker rebinds the name
    source = TrendSource.objects.get()
    trend_services.workspace_scan(workspace_id=source.workspace_id)
    source.refresh_from_db()
    assert "this machine (loopback)" in source.last_error and canary.log == []


# --- Publishing: Mastodon, Bluesky, webhooks -------------------------------------------------


def test_connecting_mastodon_or_bluesky_to_an_internal_server_is_refused(owner_client, canary):
    for base in spellings(canary):
        mastodon = owner_client.post(
            reverse("publishing_accounts"), {"platform": "mastodon", "mastodon-base_url": base}
        )
        bluesky = owner_client.post(
            reverse("publishing_accounts"),
            {
                "platform": "bluesky",
                "bluesky-handle": "me.bsky.social",
                "bluesky-app_password": "abcd-efgh-ijkl-mnop",
                "bluesky-service": base,
            },
        )
        assert mastodon.status_code == bluesky.status_code == 422, base
        assert "abcd-efgh" not in bluesky.content.decode()
    assert not Account.objects.exists()
    assert canary.log == []


def test_a_webhook_channel_to_an_internal_address_is_refused_and_never_sent(
    owner_client, workspace, canary, redirector, settings
):
    for base in spellings(canary):
        response = owner_client.post(
            reverse("publishing_accounts"),
            {"platform": "webhook", "webhook-name": "hook", "webhook-url": f"{base}/hook"},
        )
        assert response.status_code == 422, base
    assert not Account.objects.exists()
    # Rows that got past the form: each send is checked again, and a redirect is not followed.
    settings.ALLOW_PRIVATE_HOSTS = ["127.0.0.2"]
    persona = PersonaFactory(workspace=workspace)
    for url in [f"{spellings(canary)[0]}/hook", f"{redirector.base_url}/hook"]:
        account = Account.objects.create(
            workspace=workspace, platform="webhook", name=url[:100], base_url=url
        )
        account.set_access_token("secret")
        account.save()
        publishing_services.publication_schedule(
            persona=persona,
            role="owner",
            user=None,
            text="A post.",
            scheduled_at=timezone.now() - timedelta(seconds=1),
            accounts=[account],
        )
    assert sorted(run_sweep()) == [TargetState.DEAD, TargetState.DEAD]
    assert canary.log == []


# --- Model servers ------------------------------------------------------------------------------


def test_a_model_server_on_an_internal_address_is_refused_with_the_way_to_allow_it(
    owner, workspace, canary
):
    client = client_for(owner, workspace)
    for base in spellings(canary):
        response = client.post(
            reverse("llm_models"),
            {"kind": "compatible", "model": "llama3.1", "base_url": f"{base}/v1"},
        )
        assert response.status_code == 422, base
        assert "ALLOW_PRIVATE_HOSTS" in response.content.decode() or "valid URL" in (
            response.content.decode()
        )
    assert not ModelConnection.objects.exists()
    connection = ModelConnection.objects.create(
        workspace=workspace, kind="compatible", model="m", base_url=f"{canary.base_url}/v1"
    )
    problem = connection_test(connection=connection, role="owner")
    assert "ALLOW_PRIVATE_HOSTS" in problem
    assert canary.log == []
