"""Servers and files that answered with a 500 of ours.

Each is now a sentence naming the server or the file, and no secret reaches a DEBUG page."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from llm.models import ModelConnection
from llm.services import connection_test
from publishing.models import Account, Publication
from tests.factories import PersonaFactory, VariationFactory
from tests.fakes.bluesky_server import HANDLE, FakeBluesky
from tests.fakes.mastodon_server import FakeMastodon
from tests.fakes.openai_server import running_fake_openai

pytestmark = pytest.mark.django_db
PASSWORD = "abcd-efgh-ijkl-mnop"


def _png_declaring(width: int, height: int) -> bytes:
    """A 68-byte PNG whose header declares width × height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def _gif(canvas: tuple[int, int], frame: tuple[int, int]) -> bytes:
    """A GIF whose one frame is `frame` large, with image data that does not decode."""
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", *canvas, 0, 0, 0)
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, *frame, 0)
        + b"\x02\x02\x44\x01\x00;"
    )


def test_images_that_declare_too_many_pixels_or_do_not_decode_are_refused_in_words(
    owner_client, workspace
):
    persona = PersonaFactory(workspace=workspace, timezone="Europe/Lisbon")
    draft = VariationFactory(generation__persona=persona, status="accepted")
    account = Account.objects.create(workspace=workspace, platform="mastodon", name="@me")
    when = (datetime.now(UTC) + timedelta(hours=1)).astimezone(ZoneInfo("Europe/Lisbon"))
    cases = [
        ("bomb.png", _png_declaring(30000, 30000), "too large to publish"),
        ("huge.gif", _gif((65535, 65535), (65535, 65535)), "too large to publish"),
        ("frame.gif", _gif((10, 10), (6000, 6000)), "frame.gif is not an image we can read"),
    ]
    for name, data, expected in cases:
        response = owner_client.post(
            reverse("publishing_schedule", args=[draft.pk]),
            {
                "text": "With a picture.",
                "when": when.strftime("%Y-%m-%dT%H:%M"),
                "accounts": [account.pk],
                "images": [SimpleUploadedFile(name, data, content_type="image/png")],
            },
        )
        assert response.status_code == 422, name
        assert expected in response.content.decode(), name
    assert not Publication.objects.exists()


def test_a_mastodon_server_answering_html_is_said_in_words(owner_client):
    with FakeMastodon() as fake:
        fake.route("POST", "/api/v1/apps", lambda r: (200, "<html>Welcome!</html>", {}))
        response = owner_client.post(
            reverse("publishing_accounts"),
            {"platform": "mastodon", "mastodon-base_url": fake.base_url},
        )
    assert response.status_code == 422
    assert "with something that is not JSON" in response.content.decode()
    assert "Welcome!" not in response.content.decode()


def test_a_bluesky_server_answering_without_a_did_is_said_and_the_password_never_shown(
    owner, workspace, owner_client, settings
):
    with FakeBluesky(app_password=PASSWORD) as fake:
        fake.route(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            lambda r: (200, {"handle": HANDLE, "accessJwt": "a", "refreshJwt": "r"}, {}),
        )
        data = {
            "platform": "bluesky",
            "bluesky-handle": HANDLE,
            "bluesky-app_password": PASSWORD,
            "bluesky-service": fake.base_url,
        }
        response = owner_client.post(reverse("publishing_accounts"), data)
        assert response.status_code == 422
        assert "answered without did" in response.content.decode()
        assert PASSWORD not in response.content.decode()

        # Whatever fails after the password arrives, the DEBUG page does not show it.
        settings.DEBUG = True
        client = Client(raise_request_exception=False)
        client.force_login(owner)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                "publishing.services.accounts.account_connect",
                lambda **kwargs: (_ for _ in ()).throw(RuntimeError("boom")),
            )
            fake.routes.pop(("POST", "/xrpc/com.atproto.server.createSession"))
            fake.route("POST", "/xrpc/com.atproto.server.createSession", fake._create_session)
            crashed = client.post(reverse("publishing_accounts"), data)
    assert crashed.status_code == 500 and "boom" in crashed.content.decode()
    assert PASSWORD not in crashed.content.decode()


def test_a_model_server_answering_without_choices_is_said_in_words(workspace):
    with running_fake_openai() as fake:
        fake.fail_next.append((200, {"id": "x", "object": "chat.completion", "model": "m"}))
        connection = ModelConnection.objects.create(
            workspace=workspace, kind="compatible", model="m", base_url=fake.base_url
        )
        problem = connection_test(connection=connection, role="owner")
    assert "sent an answer we could not read" in problem
