"""The small things a person meets around the product.

The landing page, signing out, the favicon, their own account settings, and labels that explain
themselves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, PersonaFactory, UserFactory, VoiceProfileFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_get_a_landing_page_members_their_dashboard(client, owner_client):
    page = client.get("/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Posts that sound like you" in text
    assert reverse("signup") in text and reverse("login") in text
    assert owner_client.get("/")["Location"] == reverse("dashboard")


def test_signing_out_says_so(owner_client):
    response = owner_client.post(reverse("logout"), follow=True)
    assert "You are signed out." in response.content.decode()


def test_favicon(client):
    assert 'rel="icon"' in client.get(reverse("login")).content.decode()
    assert client.get("/favicon.ico")["Location"] == "/static/favicon.svg"


def test_account_page_changes_name_and_email_with_the_password(owner, workspace):
    client = client_for(owner, workspace)
    url = reverse("account_settings")
    assert client.get(url).status_code == 200
    UserFactory(email="taken@example.com")
    wrong = client.post(
        url,
        {
            "profile-name": "New Name",
            "profile-email": "new@example.com",
            "profile-current_password": "nope",
        },
    )
    page = wrong.content.decode()
    assert wrong.status_code == 422 and "That is not your current password." in page
    assert "new@example.com" in page  # what was typed is kept
    taken = client.post(
        url,
        {
            "profile-name": "",
            "profile-email": "taken@example.com",
            "profile-current_password": PASSWORD,
        },
    )
    assert "Another account uses that address." in taken.content.decode()
    ok = client.post(
        url,
        {
            "profile-name": "New Name",
            "profile-email": "new@example.com",
            "profile-current_password": PASSWORD,
        },
    )
    assert ok.status_code == 302
    owner.refresh_from_db()
    assert (owner.name, owner.email) == ("New Name", "new@example.com")
    # A name alone needs no password.
    client.post(url, {"profile-name": "Only Name", "profile-email": "new@example.com"})
    owner.refresh_from_db()
    assert owner.name == "Only Name"


def test_changing_the_password_keeps_this_session(owner, workspace):
    client = client_for(owner, workspace)
    response = client.post(
        reverse("account_settings"),
        {
            "password-old_password": PASSWORD,
            "password-new_password1": "a-new-long-passphrase-42",
            "password-new_password2": "a-new-long-passphrase-42",
        },
        follow=True,
    )
    assert "Password changed." in response.content.decode()
    assert User.objects.get(pk=owner.pk).check_password("a-new-long-passphrase-42")
    assert client.get(reverse("dashboard")).status_code == 200  # still signed in


def test_the_write_form_explains_its_controls(owner_client, workspace):
    VoiceProfileFactory(persona=PersonaFactory(workspace=workspace))
    page = owner_client.get(reverse("generate")).content.decode()
    assert "data-shows-value" in page  # the creativity slider shows its value
    assert "None: your usual voice" in page and "Make them on the Voice page." in page
