"""Who is signed in comes from the cache, without the password hash, and every change shows.

accounts/backends.py: the user's row is read from Redis on every signed-in request; a password
change, a deactivation or a deletion takes effect on the very next one."""

from __future__ import annotations

import pickle

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import user_key
from accounts.services import user_set_password
from tests.factories import PASSWORD
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def _user_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured if 'FROM "accounts_user"' in q["sql"]]


def test_the_signed_in_user_is_read_from_the_cache_without_their_password(owner, workspace):
    client = client_for(owner, workspace)
    client.get(reverse("dashboard"))
    assert _user_queries(client, reverse("dashboard")) == []
    stored = pickle.dumps(cache.get(user_key(owner.pk)))
    assert owner.password.encode() not in stored and b"argon2" not in stored.lower()


def test_a_password_changed_elsewhere_signs_this_session_out_at_once(owner, workspace):
    client = client_for(owner, workspace)
    client.get(reverse("dashboard"))  # cached
    user_set_password(user=owner, password="a-new-password-2026")
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_a_deactivated_or_deleted_user_is_signed_out_on_the_next_page(owner, workspace, teammate):
    client, theirs = client_for(owner, workspace), client_for(teammate, workspace)
    client.get(reverse("dashboard"))
    theirs.get(reverse("dashboard"))
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert client.get(reverse("dashboard")).status_code == 302
    teammate.delete()
    assert theirs.get(reverse("dashboard")).status_code == 302


def test_the_account_page_still_checks_and_changes_the_password(owner, workspace):
    client = client_for(owner, workspace)
    client.get(reverse("dashboard"))  # the next request's user comes from the cache
    changed = client.post(
        reverse("account_settings"),
        {
            "password-old_password": PASSWORD,
            "password-new_password1": "another-long-password-1",
            "password-new_password2": "another-long-password-1",
        },
    )
    assert changed.status_code in (200, 302)
    owner.refresh_from_db()
    assert owner.check_password("another-long-password-1")
    assert client.get(reverse("dashboard")).status_code == 200  # this session stays


def test_a_wrong_password_fails_and_older_sessions_stay_signed_in(owner):
    assert authenticate(username=owner.email, password="not-it") is None
    assert authenticate(username=owner.email, password=PASSWORD) == owner
    older = Client()  # signed in before accounts.backends, by Django's own backend
    older.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    assert older.get(reverse("dashboard")).status_code == 200
