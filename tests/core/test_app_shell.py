"""The installable app: manifest, service worker, offline page and the share target."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from pillars.models import Topic, TopicSource
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_the_manifest_makes_it_installable_with_a_share_target():
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/dashboard/"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:  # every icon is a file the site serves
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]
    assert manifest["share_target"] == {
        "action": "/share/",
        "method": "GET",
        "params": {"title": "title", "text": "text", "url": "url"},
    }


def test_the_service_worker_keeps_static_assets_and_the_offline_page_only():
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assets = json.loads(script.split("const ASSETS = ")[1].split(";")[0])
    assert "/static/css/app.css" in assets and all(a.startswith("/static/") for a in assets)
    assert 'const OFFLINE = "/offline/"' in script
    offline = Client().get("/offline/")  # the same page for everyone, signed in or not
    assert offline.status_code == 200 and "You are offline" in offline.content.decode()


def test_a_shared_link_opens_a_new_idea_filled_in_and_adds_it(owner, workspace, persona):
    client = client_for(owner, workspace)
    shared = {
        "title": "",
        "text": "Pricing pages that convert. https://example.com/pricing-study",
        "url": "",
    }
    page = client.get("/share/?" + urlencode(shared))
    assert page.status_code == 200
    form = page.context["form"]
    assert form["title"].value() == "Pricing pages that convert."
    assert form["source_url"].value() == "https://example.com/pricing-study"
    assert not Topic.objects.exists()  # nothing is kept until the creator adds it
    assert "/compose/new/?text=Pricing" in page.content.decode()
    added = client.post(
        "/share/",
        {
            "title": "Pricing pages that convert",
            "notes": "",
            "source_url": "https://example.com/pricing-study",
        },
    )
    assert added.status_code == 302 and added["Location"] == reverse("ideas")
    idea = Topic.objects.get()
    assert (idea.persona, idea.source) == (persona, TopicSource.SHARED)
    assert idea.source_url == "https://example.com/pricing-study"


def test_a_share_keeps_what_was_typed_when_the_link_is_not_a_web_page(owner, workspace, persona):
    client = client_for(owner, workspace)
    page = client.post(
        "/share/", {"title": "My idea", "notes": "kept", "source_url": "javascript:alert(1)"}
    )
    assert page.status_code == 200
    assert "must be a web address" in page.content.decode()
    assert page.context["form"]["notes"].value() == "kept"
    assert not Topic.objects.exists()


def test_signed_out_the_share_asks_to_sign_in_and_comes_back_with_it():
    response = Client().get("/share/?" + urlencode({"text": "An idea", "url": "https://a.b/c"}))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/share/%3Ftext%3DAn")
