from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _link_in_mail(index: int = -1) -> str:
    return re.search(r"https?://\S+/signup/confirm/\S+/", mail.outbox[index].body).group(0)


def test_sign_up_creates_account_personal_workspace_and_lands_on_dashboard(settings) -> None:
    settings.PASSWORD_HASHERS = settings.PASSWORD_HASHERS[1:]  # production's, Argon2 first
    client = Client()
    sent = client.post(
        reverse("signup"),
        {
            "name": "Ana Creator",
            "email": "Ana@Example.com",
            "password": "a-long-unusual-passphrase",
        },
    )
    assert "Check your inbox" in sent.content.decode()
    assert not User.objects.filter(email="ana@example.com").exists()  # not before the link
    assert mail.outbox[-1].to == ["ana@example.com"]
    response = client.get(_link_in_mail(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    user = User.objects.get(email="ana@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER and membership.workspace.is_personal
    body = response.content.decode()
    assert "Create your first persona" in body
    assert "Welcome to ContentTwin" in body
    assert user.password.startswith("argon2")


def test_sign_up_errors_keep_what_was_typed() -> None:
    response = Client().post(
        reverse("signup"), {"name": "Bea Writer", "email": "bea@example.com", "password": "123"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "This password is too short" in body
    assert 'value="Bea Writer"' in body and 'value="bea@example.com"' in body


def test_sign_up_never_tells_whether_an_address_has_an_account() -> None:
    UserFactory(email="taken@example.com")
    answers = [
        Client().post(
            reverse("signup"),
            {"name": "X", "email": email, "password": "a-long-unusual-passphrase"},
        )
        for email in ("taken@example.com", "fresh@example.com")
    ]
    csrf = re.compile(r'(?i)(csrftoken": "|csrfmiddlewaretoken" value=")[^"]+"')
    pages = [
        csrf.sub("CSRF", a.content.decode().replace(email, "EMAIL"))
        for a, email in zip(answers, ("taken@example.com", "fresh@example.com"), strict=True)
    ]
    assert answers[0].status_code == answers[1].status_code == 200
    assert pages[0] == pages[1]  # the same page, word for word
    assert "You already have a ContentTwin account" in mail.outbox[0].subject
    assert "Finish creating" in mail.outbox[1].subject
    assert User.objects.filter(email="taken@example.com").count() == 1


def test_a_forged_or_reused_sign_up_link_does_no_harm() -> None:
    client = Client()
    client.post(
        reverse("signup"),
        {"name": "Cy", "email": "cy@example.com", "password": "a-long-unusual-passphrase"},
    )
    link = _link_in_mail()
    forged = client.get(link.replace("/confirm/", "/confirm/x"), follow=True)
    assert "broken or has expired" in forged.content.decode()
    assert not User.objects.filter(email="cy@example.com").exists()
    assert client.get(link).status_code == 302
    assert Client().get(link).status_code == 302  # a second click signs in the same account
    assert User.objects.filter(email="cy@example.com").count() == 1


def test_login_and_logout() -> None:
    UserFactory(email="writer@example.com")
    client = Client()
    response = client.post(
        reverse("login"), {"username": "writer@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_repeated_failures_lock_the_account_with_a_clear_message(settings) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(email="writer@example.com")
    client = Client()
    for _ in range(3):
        response = client.post(
            reverse("login"), {"username": "writer@example.com", "password": "wrong"}
        )
        assert "Please enter a correct email" in response.content.decode()
    # Now even the right password is refused from this address until the delay passes.
    response = client.post(
        reverse("login"), {"username": "writer@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert (
        "Too many failed sign-in attempts. Try again in about 30 seconds"
        in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_someone_guessing_elsewhere_never_locks_the_owner_out(settings) -> None:
    from core.models import Throttle

    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(email="owner@example.com")
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    statuses = [
        attacker.post(
            reverse("login"), {"username": "owner@example.com", "password": f"guess{n}"}
        ).status_code
        for n in range(12)
    ]
    assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}
    # The delays grow with every failure that is still let through: 30 s, 60 s, 120 s …
    pair = Throttle.objects.get(key__startswith="login:", key__endswith=":203.0.113.66")
    assert pair.count == 3  # refused attempts are not even checked
    owner = Client(REMOTE_ADDR="198.51.100.8")
    signed_in = owner.post(
        reverse("login"), {"username": "owner@example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 302


def test_password_reset_mails_are_limited_without_telling_anyone(settings) -> None:
    UserFactory(email="forgetful@example.com")
    client = Client()
    answers = [
        client.post(reverse("password_reset"), {"email": "forgetful@example.com"}) for _ in range(6)
    ]
    assert {a.status_code for a in answers} == {302}  # the same answer every time
    assert {a.url for a in answers} == {reverse("password_reset_done")}
    assert len(mail.outbox) == 3  # but at most 3 mails an hour to one address


def test_lockout_from_one_address_covers_other_accounts(settings) -> None:
    settings.LOGIN_FAILURE_LIMIT = 2  # the address limit is 4x: 8 failures
    UserFactory(email="target@example.com")
    client = Client(REMOTE_ADDR="10.0.0.9")
    for n in range(8):
        client.post(reverse("login"), {"username": f"guess{n}@example.com", "password": "x"})
    response = client.post(
        reverse("login"), {"username": "target@example.com", "password": PASSWORD}
    )
    assert "Too many failed sign-in attempts" in response.content.decode()
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.10")
    response = other.post(
        reverse("login"), {"username": "target@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_behind_our_proxy_the_forwarded_address_is_throttled(settings):
    settings.LOGIN_FAILURE_LIMIT = 1  # address limit: 4
    settings.BEHIND_TLS_PROXY = True
    UserFactory(email="target@example.com")
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7")
    for n in range(4):
        attacker.post(reverse("login"), {"username": f"g{n}@example.com", "password": "x"})
    blocked = attacker.post(
        reverse("login"), {"username": "target@example.com", "password": PASSWORD}
    )
    assert "Too many failed sign-in attempts" in blocked.content.decode()
    # Another visitor behind the same proxy is not locked out.
    visitor = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    response = visitor.post(
        reverse("login"), {"username": "target@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_password_reset_by_email_link() -> None:
    UserFactory(email="forgetful@example.com")
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/reset/[^\s]+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="forgetful@example.com").check_password("a-brand-new-passphrase")


def test_anonymous_pages_redirect_to_login() -> None:
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
